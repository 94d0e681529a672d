-- Vector tile of the road segments crossing the tile, clipped and simplified to it by ST_AsMVTGeom, with surface,
-- class and whether hardened. Roads are readable by everyone (their policy is `true`, which the planner drops), so
-- the GiST index on geom serves the && directly. In a township or village, the segments crossing its area. Below
-- zoom 12 the group roads and footpaths are left out (thousands of short lines a few pixels long).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_Transform(ST_Translate(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s),
                                     0 - %(dx)s, 0 - %(dy)s), 4490) AS box
), f AS (
    SELECT r.id, r.name, r.surface, r.class, r.hardened, r.all_season, r.bus,
           ST_AsMVTGeom(ST_Translate(ST_Transform(r.geom, 3857), %(dx)s, %(dy)s), t.env, %(extent)s, %(buffer)s, true) AS geom
    FROM t
    JOIN roads r ON r.geom && t.box
    WHERE (%(z)s >= 12 OR r.class IS NULL OR r.class NOT IN ('group', 'path'))
      AND ((%(township)s::text IS NULL AND %(village)s::text IS NULL)
       OR EXISTS (SELECT 1 FROM admin_units a
                  WHERE a.code = coalesce(%(village)s, %(township)s) AND a.geom && r.geom
                    AND ST_Intersects(a.geom, r.geom)))
)
SELECT coalesce((SELECT ST_AsMVT(f, 'roads', %(extent)s, 'geom') FROM f WHERE geom IS NOT NULL), '');
