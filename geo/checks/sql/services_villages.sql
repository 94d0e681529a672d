-- Administrative villages for the services check: where each is (its village seat, else a point inside its
-- boundary) and whether it is a poor village (admin_units.extra poor_village or deeply_poor, as an import keeps it).
SELECT v.code AS village_code, v.parent_code AS township_code,
       ST_X(coalesce(s.geom_m, ST_PointOnSurface(v.geom_m))) AS x,
       ST_Y(coalesce(s.geom_m, ST_PointOnSurface(v.geom_m))) AS y,
       CASE WHEN v.extra ->> 'poor_village' IN ('true', '1') OR v.extra ->> 'deeply_poor' IN ('true', '1') THEN 1
            WHEN v.extra ->> 'poor_village' IN ('false', '0') THEN 0 END AS poor
FROM admin_units v
LEFT JOIN seats s ON s.code = v.code AND s.level = 'village'
WHERE v.level = 'village'
ORDER BY v.code
