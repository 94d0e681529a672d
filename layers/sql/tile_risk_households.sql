-- Vector tile of the monitored households (监测对象) from the detail zoom, with their category, state, risk types
-- and whether a visit is overdue; below it, the monitored households counted per natural village (how many, people,
-- overdue visits). Points selected by web_x/web_y (migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS box
), b AS (
    SELECT env, ST_XMin(box) - %(dx)s AS x0, ST_YMin(box) - %(dy)s AS y0,
           ST_XMax(box) - %(dx)s AS x1, ST_YMax(box) - %(dy)s AS y1 FROM t
), mon AS (
    SELECT h.*, nv.name AS nv_name, nv.village_code, v.parent_code AS township_code,
           (h.last_visit_on IS NULL OR h.last_visit_on < current_date - %(visit_days)s::int) AS overdue
    FROM b
    JOIN households h ON h.web_x BETWEEN b.x0 AND b.x1 AND h.web_y BETWEEN b.y0 AND b.y1
    JOIN natural_villages nv ON nv.id = h.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), fine AS (
    SELECT m.id, m.head_name, m.category, m.monitor_state, array_to_string(m.risk_types, ';') AS risk_types,
           m.members, m.support_contact, m.last_visit_on::text AS last_visit_on, m.nv_name, m.overdue,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(m.web_x + %(dx)s, m.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM mon m, b
    WHERE %(z)s >= %(detail)s
), coarse AS (
    SELECT nv.id, nv.name, v.name AS village_name, count(*) AS n, sum(m.members) AS people,
           count(*) FILTER (WHERE m.overdue) AS overdue_n,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nv.web_x + %(dx)s, nv.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM mon m
    JOIN natural_villages nv ON nv.id = m.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    CROSS JOIN b
    WHERE %(z)s < %(detail)s
    GROUP BY nv.id, nv.name, v.name, nv.web_x, nv.web_y, b.env
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'risk_households', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'risk_households', %(extent)s, 'geom') FROM coarse), '');
