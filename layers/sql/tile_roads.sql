-- Vector tile of the road segments crossing the tile, clipped and simplified to it by ST_AsMVTGeom: from the detail
-- zoom each segment with its record; below it the segments merged per surface and class (a prefecture's zoom-10 tile
-- crosses tens of thousands), and below zoom 12 without group roads and footpaths (lines a few pixels long). Roads
-- are readable by everyone (their policy is `true`, which the planner drops), so the GiST index on geom serves the &&
-- directly. In a township or village, the segments crossing its area.
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_Transform(ST_Translate(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s),
                                     0 - %(dx)s, 0 - %(dy)s), 4490) AS box
), r AS (
    SELECT r.id, r.name, r.surface, r.class, r.hardened, r.all_season, r.bus,
           ST_AsMVTGeom(ST_Translate(ST_Transform(r.geom, 3857), %(dx)s, %(dy)s), t.env, %(extent)s, %(buffer)s, true) AS geom
    FROM t
    JOIN roads r ON r.geom && t.box
    WHERE (%(z)s >= 12 OR r.class IS NULL OR r.class NOT IN ('group', 'path'))
      AND ((%(township)s::text IS NULL AND %(village)s::text IS NULL)
       OR EXISTS (SELECT 1 FROM admin_units a
                  WHERE a.code = coalesce(%(village)s, %(township)s) AND a.geom && r.geom
                    AND ST_Intersects(a.geom, r.geom)))
), fine AS (
    SELECT id, name, surface, class, hardened, all_season, bus, geom FROM r
    WHERE %(z)s >= %(detail)s AND geom IS NOT NULL
), coarse AS (
    SELECT surface, class, bool_or(hardened) AS hardened, ST_LineMerge(ST_Collect(geom)) AS geom FROM r
    WHERE %(z)s < %(detail)s AND geom IS NOT NULL
    GROUP BY surface, class
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'roads', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'roads', %(extent)s, 'geom') FROM coarse), '');
