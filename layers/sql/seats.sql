-- Seats of the county, townships and village committees in the filter's scope.
SELECT s.code, s.level, coalesce(s.name, a.name) AS name, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat
FROM seats s
LEFT JOIN admin_units a ON a.code = s.code
LEFT JOIN village_admin va ON va.village_code = s.code
WHERE (%(township)s::text IS NULL OR s.level = 'county' OR s.code = %(township)s OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR s.level <> 'village' OR s.code = %(village)s);
