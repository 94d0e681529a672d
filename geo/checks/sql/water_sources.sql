-- Every source that counts (its status one of %(statuses)s: water_rule.counting_statuses), in id order: of two
-- sources equally good for a household, the check names the first.
SELECT s.id, s.piped_to_home, s.guarantee_rate, ST_X(s.geom_m) AS x, ST_Y(s.geom_m) AS y
FROM water_sources s
WHERE s.status = ANY(%(statuses)s::text[])
ORDER BY 1
