-- Every source that counts (working, and seasonal unless the dry season is checked), in id order: of two
-- sources equally good for a household, the check names the first.
SELECT s.id, s.piped_to_home, s.guarantee_rate, ST_X(s.geom_m) AS x, ST_Y(s.geom_m) AS y
FROM water_sources s
WHERE s.status = 'working' OR (s.status = 'seasonal' AND NOT %(dry_season)s)
ORDER BY 1
