-- Monitored households by category and by risk type, in the township's scope (or the county's).
SELECT 'category' AS axis, h.category AS code, count(*) AS households, sum(h.members) AS people
FROM households h JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
GROUP BY h.category
UNION ALL
SELECT 'risk_type', r.risk, count(*), sum(h.members)
FROM households h JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
CROSS JOIN LATERAL unnest(h.risk_types) AS r(risk)
WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
GROUP BY r.risk
ORDER BY 1, 3 DESC;
