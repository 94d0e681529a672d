-- Subjects not compliant (false or unknown) in the stored results of %(label)s, with metric coordinates.
SELECT r.subject_id, r.people, ST_X(coalesce(h.geom_m, n.geom_m)) AS x, ST_Y(coalesce(h.geom_m, n.geom_m)) AS y
FROM water_results r
LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
LEFT JOIN natural_villages n ON r.subject = 'natural_village' AND n.id = r.subject_id
WHERE r.rule_set = %(label)s AND r.compliant IS NOT TRUE AND coalesce(h.geom_m, n.geom_m) IS NOT NULL
ORDER BY r.subject_id
