-- Households (or natural villages without households) failing the water-fetch rule, with what the check found.
SELECT r.subject, r.subject_id AS id, coalesce(h.head_name, nv.name) AS name, nv.name AS nv_name, a.village_name,
       r.people, coalesce(w.name, r.source_id) AS source, r.horizontal_m, r.vertical_m, r.round_trip_min,
       r.distance_basis, r.piped, r.failed_clauses AS clauses,
       ST_X(coalesce(h.geom, nv.geom)) AS lon, ST_Y(coalesce(h.geom, nv.geom)) AS lat
FROM water_results r
LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
JOIN natural_villages nv ON nv.id = coalesce(r.natural_village_id, h.natural_village_id,
                                              CASE WHEN r.subject = 'natural_village' THEN r.subject_id END)
JOIN nv_admin a ON a.natural_village_id = nv.id
LEFT JOIN water_sources w ON w.id = r.source_id
WHERE r.rule_set = %(rule_set)s
  AND r.compliant IS FALSE
  AND (%(category)s::text IS NULL OR h.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
ORDER BY r.subject_id
LIMIT %(cap)s + 1;
