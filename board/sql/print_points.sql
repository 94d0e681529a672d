-- What the wall map marks, in the metric frame: seats, natural villages by road status, water sources by status,
-- monitored households, households failing the water rule, dangerous houses not yet safe.
SELECT 'seat' AS what, s.level AS state, s.name, ST_X(s.geom_m) AS x, ST_Y(s.geom_m) AS y
FROM seats s LEFT JOIN village_admin va ON va.village_code = s.code
WHERE s.code = %(township)s OR va.township_code = %(township)s
UNION ALL
SELECT 'nv', CASE WHEN rr.gap THEN 'gap' WHEN rr.has_hardened_road THEN 'ok' ELSE 'other' END, nv.name,
       ST_X(nv.geom_m), ST_Y(nv.geom_m)
FROM natural_villages nv JOIN nv_admin a ON a.natural_village_id = nv.id
LEFT JOIN road_results rr ON rr.natural_village_id = nv.id AND rr.rule_set = %(rule_set)s
WHERE a.township_code = %(township)s
UNION ALL
SELECT 'source', w.status, w.name, ST_X(w.geom_m), ST_Y(w.geom_m)
FROM water_sources w JOIN village_admin va ON va.village_code = w.village_code
WHERE va.township_code = %(township)s
UNION ALL
SELECT 'monitored', h.category, NULL, ST_X(h.geom_m), ST_Y(h.geom_m)
FROM households h JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE a.township_code = %(township)s AND h.category IN ('unstable', 'marginal', 'sudden_hardship')
UNION ALL
SELECT 'water_fail', NULL, NULL, ST_X(coalesce(h.geom_m, nv.geom_m)), ST_Y(coalesce(h.geom_m, nv.geom_m))
FROM water_results r
LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
JOIN natural_villages nv ON nv.id = coalesce(r.natural_village_id, h.natural_village_id)
JOIN nv_admin a ON a.natural_village_id = nv.id
WHERE r.rule_set = %(rule_set)s AND r.compliant IS FALSE AND a.township_code = %(township)s
UNION ALL
SELECT 'house', x.grade, NULL, ST_X(ST_PointOnSurface(x.geom_m)), ST_Y(ST_PointOnSurface(x.geom_m))
FROM houses x JOIN households h ON h.id = x.household_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE a.township_code = %(township)s AND x.grade IN ('C', 'D') AND x.renovation_state <> 'safe_occupancy';
