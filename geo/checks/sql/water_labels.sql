-- The distinct rule_set labels in water_results, by skipping along the index instead of reading every row.
WITH RECURSIVE r AS (
    (SELECT rule_set FROM water_results ORDER BY rule_set LIMIT 1)
    UNION ALL
    SELECT (SELECT w.rule_set FROM water_results w WHERE w.rule_set > r.rule_set ORDER BY w.rule_set LIMIT 1)
    FROM r WHERE r.rule_set IS NOT NULL
)
SELECT rule_set FROM r WHERE rule_set IS NOT NULL
