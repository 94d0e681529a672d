-- Who the subjects %(ids)s are: name, village, and what makes them vulnerable (monitored, elderly alone, disabled).
SELECT h.id AS subject_id, h.head_name AS name, h.natural_village_id,
       h.category IN ('unstable', 'marginal', 'sudden_hardship') AS monitored,
       h.elderly_alone, h.disabled_members > 0 AS disabled,
       ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
FROM households h WHERE h.id = ANY(%(ids)s::text[])
UNION ALL
SELECT n.id, n.name, n.id, coalesce(n.monitored_households, 0) > 0, false, false, ST_X(n.geom), ST_Y(n.geom)
FROM natural_villages n
WHERE n.id = ANY(%(ids)s::text[]) AND NOT EXISTS (SELECT 1 FROM households)
