-- Houses in scope with grade and renovation state; where the filter is the whole county only the ones that matter
-- to safety (graded C/D, under renovation, or idle) so the layer stays small.
SELECT ho.id, ho.grade, ho.appraised_on, ho.renovation_state, ho.idle, ho.occupied, h.head_name, a.village_name,
       ST_X(ST_PointOnSurface(ho.geom)) AS lon, ST_Y(ST_PointOnSurface(ho.geom)) AS lat
FROM houses ho
LEFT JOIN households h ON h.id = ho.household_id
LEFT JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
  AND (ho.grade IN ('C', 'D') OR ho.idle OR ho.renovation_state <> 'none'
       OR %(township)s::text IS NOT NULL)
ORDER BY (ho.grade IN ('C', 'D')) DESC, ho.id
LIMIT %(cap)s + 1;
