-- Vector tile of the monitored households (监测对象: an open case in a monitored state) from the detail zoom, with
-- their case's category, state and risk types, and whether a visit is overdue (the last visit imported or logged in
-- the app, monitoring's one rule: household_last_visits_on); below it, the monitored households of the natural
-- villages in the tile counted per village (how many, people, overdue visits). Points selected by web_x/web_y
-- (migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), box AS (
    SELECT h.id, h.head_name, h.members, h.web_x, h.web_y, h.natural_village_id, m.category, m.state,
           m.risk_types, m.support_contact
    FROM households h
    JOIN monitored_households m ON m.household_id = h.id
    WHERE %(z)s >= %(detail)s
      AND h.web_x BETWEEN %(x0)s AND %(x1)s AND h.web_y BETWEEN %(y0)s AND %(y1)s
      AND (%(category)s::text IS NULL OR m.category = %(category)s)
), fine AS (
    SELECT b.id, b.head_name, b.category, b.state, array_to_string(b.risk_types, ';') AS risk_types,
           b.members, b.support_contact, lv.last_visit_on::text AS last_visit_on, nv.name AS nv_name,
           (lv.last_visit_on IS NULL OR lv.last_visit_on < mon_today() - %(visit_days)s::int) AS overdue,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(b.web_x + %(dx)s, b.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM t
    CROSS JOIN box b
    JOIN natural_villages nv ON nv.id = b.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    LEFT JOIN household_last_visits_on(mon_today(), ARRAY(SELECT id FROM box)) lv ON lv.household_id = b.id
    WHERE (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), nvs AS (   -- below the detail zoom: the natural villages drawn, then their monitored households counted
    SELECT nv.id, nv.name, nv.web_x, nv.web_y, v.name AS village_name
    FROM natural_villages nv
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE %(z)s < %(detail)s
      AND nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), mon AS (   -- one scan for all the villages (= ANY), so the policy is checked against one hashed list
    SELECT h.id, h.natural_village_id, h.members
    FROM households h
    JOIN monitored_households m ON m.household_id = h.id
    WHERE h.natural_village_id = ANY (ARRAY(SELECT id FROM nvs))
      AND (%(category)s::text IS NULL OR m.category = %(category)s)
), c AS (
    SELECT mon.natural_village_id AS id, count(*) AS n, sum(mon.members) AS people,
           count(*) FILTER (WHERE lv.last_visit_on IS NULL
                            OR lv.last_visit_on < mon_today() - %(visit_days)s::int) AS overdue_n
    FROM mon
    LEFT JOIN household_last_visits_on(mon_today(), ARRAY(SELECT id FROM mon)) lv ON lv.household_id = mon.id
    GROUP BY mon.natural_village_id
), coarse AS (
    SELECT nvs.id, nvs.name, nvs.village_name, c.n, c.people, c.overdue_n,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nvs.web_x + %(dx)s, nvs.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM nvs JOIN c USING (id) CROSS JOIN t
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'risk_households', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'risk_households', %(extent)s, 'geom') FROM coarse), '');
