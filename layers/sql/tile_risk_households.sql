-- Vector tile of the monitored households (监测对象) from the detail zoom, with their category, state, risk types
-- and whether a visit is overdue; below it, the monitored households of the natural villages in the tile counted per
-- village (how many, people, overdue visits). Points selected by web_x/web_y (migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), fine AS (
    SELECT h.id, h.head_name, h.category, h.monitor_state, array_to_string(h.risk_types, ';') AS risk_types,
           h.members, h.support_contact, h.last_visit_on::text AS last_visit_on, nv.name AS nv_name,
           (h.last_visit_on IS NULL OR h.last_visit_on < current_date - %(visit_days)s::int) AS overdue,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(h.web_x + %(dx)s, h.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM t
    JOIN households h ON h.web_x BETWEEN %(x0)s AND %(x1)s AND h.web_y BETWEEN %(y0)s AND %(y1)s
    JOIN natural_villages nv ON nv.id = h.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE %(z)s >= %(detail)s
      AND h.category IN ('unstable', 'marginal', 'sudden_hardship')
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), nvs AS (   -- below the detail zoom: the natural villages drawn, then their monitored households counted
    SELECT nv.id, nv.name, nv.web_x, nv.web_y, v.name AS village_name
    FROM natural_villages nv
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE %(z)s < %(detail)s
      AND nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), c AS (   -- one scan for all the villages (= ANY), so the policy is checked against one hashed list
    SELECT h.natural_village_id AS id, count(*) AS n, sum(h.members) AS people,
           count(*) FILTER (WHERE h.last_visit_on IS NULL
                            OR h.last_visit_on < current_date - %(visit_days)s::int) AS overdue_n
    FROM households h
    WHERE h.natural_village_id = ANY (ARRAY(SELECT id FROM nvs))
      AND h.category IN ('unstable', 'marginal', 'sudden_hardship')
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
    GROUP BY h.natural_village_id
), coarse AS (
    SELECT nvs.id, nvs.name, nvs.village_name, c.n, c.people, c.overdue_n,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nvs.web_x + %(dx)s, nvs.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM nvs JOIN c USING (id) CROSS JOIN t
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'risk_households', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'risk_households', %(extent)s, 'geom') FROM coarse), '');
