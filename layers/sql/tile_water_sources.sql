-- Vector tile of the water sources by kind and status, with their record from the detail zoom (below it the name,
-- kind, status and village only: a prefecture's zoom-10 tile holds thousands). Selected by web_x/web_y (migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), f AS (
    SELECT w.id, w.name, w.kind, w.status, v.name AS village_name,
           CASE WHEN %(z)s >= %(detail)s THEN w.capacity_m3_per_day END AS capacity_m3_per_day,
           CASE WHEN %(z)s >= %(detail)s THEN w.people_served END AS people_served,
           CASE WHEN %(z)s >= %(detail)s THEN w.piped_to_home END AS piped_to_home,
           CASE WHEN %(z)s >= %(detail)s THEN w.disinfection END AS disinfection,
           CASE WHEN %(z)s >= %(detail)s THEN w.water_manager END AS water_manager,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(w.web_x + %(dx)s, w.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM t
    JOIN water_sources w ON w.web_x BETWEEN %(x0)s AND %(x1)s AND w.web_y BETWEEN %(y0)s AND %(y1)s
    LEFT JOIN admin_units v ON v.code = w.village_code
    WHERE (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR w.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(f, 'water_sources', %(extent)s, 'geom') FROM f), '');
