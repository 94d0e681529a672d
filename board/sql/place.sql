-- The place an overview shows: the county of the signed-in person's scope (the first county when the scope is all),
-- and the township or village itself when the scope is narrower.
SELECT c.name AS county, CASE WHEN u.level = 'village' THEN t.name END AS township,
       CASE WHEN u.level IN ('township', 'village') THEN u.name END AS unit
FROM admin_units c
LEFT JOIN admin_units u ON u.code = %(scope)s
LEFT JOIN admin_units t ON t.code = u.parent_code
WHERE c.level = 'county' AND (%(scope)s::text IS NULL OR left(c.code, 6) = left(%(scope)s, 6))
ORDER BY c.code
LIMIT 1;
