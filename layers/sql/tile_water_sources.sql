-- Vector tile of the water sources by kind and status, with their record. Selected by web_x/web_y (migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS box
), b AS (
    SELECT env, ST_XMin(box) - %(dx)s AS x0, ST_YMin(box) - %(dy)s AS y0,
           ST_XMax(box) - %(dx)s AS x1, ST_YMax(box) - %(dy)s AS y1 FROM t
), f AS (
    SELECT w.id, w.name, w.kind, w.status, w.capacity_m3_per_day, w.people_served, w.piped_to_home, w.disinfection,
           w.water_manager, v.name AS village_name,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(w.web_x + %(dx)s, w.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM b
    JOIN water_sources w ON w.web_x BETWEEN b.x0 AND b.x1 AND w.web_y BETWEEN b.y0 AND b.y1
    LEFT JOIN admin_units v ON v.code = w.village_code
    WHERE (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR w.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(f, 'water_sources', %(extent)s, 'geom') FROM f), '');
