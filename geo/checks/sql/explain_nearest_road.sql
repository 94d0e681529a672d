-- The road of any surface nearest a metric point, and its distance.
SELECT id, surface, ST_Distance(geom_m, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), ST_SRID(geom_m))) AS distance_m
FROM roads
ORDER BY geom_m <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), ST_SRID(geom_m))
LIMIT 1
