-- Dangerous (C/D) houses not yet safe, and idle dangerous houses, per natural village.
SELECT nv.id, nv.name, a.village_name,
       count(*) FILTER (WHERE ho.grade IN ('C', 'D') AND ho.renovation_state <> 'safe_occupancy') AS n,
       count(*) FILTER (WHERE ho.idle AND ho.grade IN ('C', 'D')) AS idle_n,
       ST_X(nv.geom) AS lon, ST_Y(nv.geom) AS lat
FROM houses ho
JOIN households h ON h.id = ho.household_id
JOIN natural_villages nv ON nv.id = h.natural_village_id
JOIN nv_admin a ON a.natural_village_id = nv.id
WHERE (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
GROUP BY nv.id, nv.name, a.village_name, nv.geom
HAVING count(*) FILTER (WHERE ho.grade IN ('C', 'D') AND ho.renovation_state <> 'safe_occupancy') > 0;
