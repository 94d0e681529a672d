-- Roads a water truck can use: the given surfaces (hardened or gravel), at least %(min_width)s m wide where the
-- width is known; metric geometry, optionally only those meeting a metric bbox.
SELECT id, ST_AsBinary(geom_m) AS wkb, coalesce(class, 'other') AS class
FROM roads
WHERE surface = ANY(%(surfaces)s::text[])
  AND (width_m IS NULL OR width_m >= %(min_width)s)
  AND (NOT %(has_bbox)s OR geom_m && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s))
ORDER BY id
