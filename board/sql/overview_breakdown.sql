-- Monitored households (open cases in a monitored state) by category and by risk type, in the township's scope (or
-- the county's).
SELECT 'category' AS axis, m.category AS code, count(*) AS households, sum(h.members) AS people
FROM monitored_households m
JOIN households h ON h.id = m.household_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE %(township)s::text IS NULL OR a.township_code = %(township)s
GROUP BY m.category
UNION ALL
SELECT 'risk_type', r.risk, count(*), sum(h.members)
FROM monitored_households m
JOIN households h ON h.id = m.household_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
CROSS JOIN LATERAL unnest(m.risk_types) AS r(risk)
WHERE %(township)s::text IS NULL OR a.township_code = %(township)s
GROUP BY r.risk
ORDER BY 1, 3 DESC;
