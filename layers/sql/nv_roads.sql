-- Natural villages with the road check's result: required, has a hardened road, gap, connected to the seat.
SELECT nv.id, nv.name, nv.households, a.village_name, rr.road_id, rr.road_distance_m, rr.has_hardened_road,
       rr.required, rr.gap, rr.connected_to_seat, rr.network_km_to_seat,
       ST_X(nv.geom) AS lon, ST_Y(nv.geom) AS lat
FROM road_results rr
JOIN natural_villages nv ON nv.id = rr.natural_village_id
JOIN nv_admin a ON a.natural_village_id = nv.id
WHERE rr.rule_set = %(rule_set)s
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
ORDER BY rr.gap DESC, nv.id
LIMIT %(cap)s + 1;
