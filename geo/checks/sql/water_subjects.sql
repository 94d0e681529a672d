-- The subjects of the water check: every household, or (where no households are loaded) every natural village.
-- Coordinates in the metric frame, in id order.
SELECT 'household' AS subject, h.id AS subject_id, h.natural_village_id, h.members AS people,
       ST_X(h.geom_m) AS x, ST_Y(h.geom_m) AS y
FROM households h
WHERE %(use_households)s
UNION ALL
SELECT 'natural_village', n.id, n.id, coalesce(n.population, n.households), ST_X(n.geom_m), ST_Y(n.geom_m)
FROM natural_villages n
WHERE NOT %(use_households)s
ORDER BY 2
