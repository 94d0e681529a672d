-- The services check's results per administrative village in scope, at the village seat (else a point inside it).
SELECT r.village_code AS id, va.village_name, r.clinic_ok, r.bus_ok, r.kindergarten_ok, r.clinic_distance_m,
       r.distance_basis, array_to_string(r.failed_clauses, ',') AS failed,
       ST_X(coalesce(s.geom, ST_PointOnSurface(v.geom))) AS lon, ST_Y(coalesce(s.geom, ST_PointOnSurface(v.geom))) AS lat
FROM services_results r
JOIN admin_units v ON v.code = r.village_code
JOIN village_admin va ON va.village_code = r.village_code
LEFT JOIN seats s ON s.code = r.village_code AND s.level = 'village'
WHERE r.rule_set = %(rule_set)s AND coalesce(s.geom, v.geom) IS NOT NULL
  AND (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR r.village_code = %(village)s)
ORDER BY r.village_code
LIMIT %(cap)s + 1;
