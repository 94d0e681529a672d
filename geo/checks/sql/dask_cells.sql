-- The water check's subjects counted per cell of a fine square grid (origin ox, oy, side `cell` metres), empty
-- cells left out: a distributed run's partitions are rectangles of them. The cell expression is dask_subjects' one.
SELECT floor((ST_X(geom_m) - %(ox)s) / %(cell)s)::bigint AS ix, floor((ST_Y(geom_m) - %(oy)s) / %(cell)s)::bigint AS iy,
       count(*) AS n
FROM (SELECT geom_m FROM households WHERE %(use_households)s
      UNION ALL
      SELECT geom_m FROM natural_villages WHERE NOT %(use_households)s) s
GROUP BY 1, 2
ORDER BY 1, 2
