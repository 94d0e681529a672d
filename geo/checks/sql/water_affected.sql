-- Subjects whose water result can change when source %(source_id)s changes status, for one result label:
-- those within %(radius)s m of it, those that name it, and those not compliant now whose named source is farther
-- than it (it may become their nearest, or their compliant one). Households or natural villages, as in the results.
WITH s AS (SELECT geom_m FROM water_sources WHERE id = %(source_id)s),
far AS (  -- water_results_open answers this from the end of the index
    SELECT coalesce((SELECT horizontal_m FROM water_results
                     WHERE rule_set = %(label)s AND compliant IS NOT TRUE AND horizontal_m IS NOT NULL
                     ORDER BY horizontal_m DESC LIMIT 1), 0) AS m
)
SELECT h.id FROM households h, s
WHERE %(use_households)s AND ST_DWithin(h.geom_m, s.geom_m, %(radius)s)
UNION
SELECT n.id FROM natural_villages n, s
WHERE NOT %(use_households)s AND ST_DWithin(n.geom_m, s.geom_m, %(radius)s)
UNION
SELECT subject_id FROM water_results WHERE rule_set = %(label)s AND source_id = %(source_id)s
UNION
SELECT r.subject_id
FROM s, far, households h
JOIN water_results r ON r.rule_set = %(label)s AND r.subject = 'household' AND r.subject_id = h.id
WHERE %(use_households)s AND %(becomes_available)s AND r.compliant IS NOT TRUE
  AND ST_DWithin(h.geom_m, s.geom_m, far.m)
  AND (r.horizontal_m IS NULL OR ST_Distance(h.geom_m, s.geom_m) < r.horizontal_m)
UNION
SELECT r.subject_id
FROM s, far, natural_villages n
JOIN water_results r ON r.rule_set = %(label)s AND r.subject = 'natural_village' AND r.subject_id = n.id
WHERE NOT %(use_households)s AND %(becomes_available)s AND r.compliant IS NOT TRUE
  AND ST_DWithin(n.geom_m, s.geom_m, far.m)
  AND (r.horizontal_m IS NULL OR ST_Distance(n.geom_m, s.geom_m) < r.horizontal_m)
UNION
SELECT r.subject_id FROM water_results r
WHERE %(becomes_available)s AND r.rule_set = %(label)s AND r.source_id IS NULL
