-- One inspection target: its village (from its record, else the village polygon it lies in) and position.
SELECT t.target_kind, t.target_id, t.label,
       coalesce(t.village_code,
                (SELECT a.code FROM admin_units a WHERE a.level = 'village' AND ST_Intersects(a.geom, t.geom) LIMIT 1))
           AS village_code,
       ST_X(ST_PointOnSurface(t.geom)) AS lon, ST_Y(ST_PointOnSurface(t.geom)) AS lat
FROM inspection_targets t
WHERE t.target_kind = %(target_kind)s AND t.target_id = %(target_id)s
