-- The water check's subjects of one partition of a distributed run (the fine-grid cells ix0 <= ix < ix1,
-- iy0 <= iy < iy1), as water_subjects gives them: the box (a little wider) finds them by the spatial index, the cell
-- expression of dask_cells decides.
SELECT 'household' AS subject, h.id AS subject_id, h.natural_village_id, h.members AS people,
       ST_X(h.geom_m) AS x, ST_Y(h.geom_m) AS y
FROM households h
WHERE %(use_households)s
  AND h.geom_m && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s)
  AND floor((ST_X(h.geom_m) - %(ox)s) / %(cell)s) >= %(ix0)s AND floor((ST_X(h.geom_m) - %(ox)s) / %(cell)s) < %(ix1)s
  AND floor((ST_Y(h.geom_m) - %(oy)s) / %(cell)s) >= %(iy0)s AND floor((ST_Y(h.geom_m) - %(oy)s) / %(cell)s) < %(iy1)s
UNION ALL
SELECT 'natural_village', n.id, n.id, coalesce(n.population, n.households), ST_X(n.geom_m), ST_Y(n.geom_m)
FROM natural_villages n
WHERE NOT %(use_households)s
  AND n.geom_m && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s)
  AND floor((ST_X(n.geom_m) - %(ox)s) / %(cell)s) >= %(ix0)s AND floor((ST_X(n.geom_m) - %(ox)s) / %(cell)s) < %(ix1)s
  AND floor((ST_Y(n.geom_m) - %(oy)s) / %(cell)s) >= %(iy0)s AND floor((ST_Y(n.geom_m) - %(oy)s) / %(cell)s) < %(iy1)s
ORDER BY 2
