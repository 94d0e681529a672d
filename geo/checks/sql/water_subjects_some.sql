-- Only the subjects named in %(ids)s (households, or natural villages where no households are loaded), by their
-- primary keys. Coordinates in the metric frame, in id order.
SELECT 'household' AS subject, h.id AS subject_id, h.natural_village_id, h.members AS people,
       ST_X(h.geom_m) AS x, ST_Y(h.geom_m) AS y
FROM households h
WHERE %(use_households)s AND h.id = ANY(%(ids)s::text[])
UNION ALL
SELECT 'natural_village', n.id, n.id, coalesce(n.population, n.households), ST_X(n.geom_m), ST_Y(n.geom_m)
FROM natural_villages n
WHERE NOT %(use_households)s AND n.id = ANY(%(ids)s::text[])
ORDER BY 2
