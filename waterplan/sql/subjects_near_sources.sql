-- Water-check subjects (households, or natural villages where no households are loaded) within %(radius)s m of
-- any of the sources %(ids)s: the only ones whose result can change when those sources change. Metric x, y.
SELECT DISTINCT h.id, ST_X(h.geom_m) AS x, ST_Y(h.geom_m) AS y
FROM households h JOIN water_sources s ON s.id = ANY(%(ids)s::text[])
WHERE %(use_households)s AND ST_DWithin(h.geom_m, s.geom_m, %(radius)s)
UNION
SELECT DISTINCT n.id, ST_X(n.geom_m), ST_Y(n.geom_m)
FROM natural_villages n JOIN water_sources s ON s.id = ANY(%(ids)s::text[])
WHERE NOT %(use_households)s AND ST_DWithin(n.geom_m, s.geom_m, %(radius)s)
ORDER BY 1
