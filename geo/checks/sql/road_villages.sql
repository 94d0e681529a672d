-- Natural villages for the road check, with the township seat they belong to (by code, else the nearest one) and
-- what the road criteria weigh: counts, and whether the administrative village is deeply poor (深度贫困村,
-- admin_units.extra.deeply_poor as an import keeps it; the natural village's own extra wins).
SELECT n.id, n.households, coalesce(n.population, 0) AS population, n.poor_households, n.ethnic_households,
       CASE coalesce(n.extra ->> 'deeply_poor', v.extra ->> 'deeply_poor')
            WHEN 'true' THEN 1 WHEN '1' THEN 1 WHEN 'false' THEN 0 WHEN '0' THEN 0 END AS deeply_poor,
       ST_X(n.geom_m) AS x, ST_Y(n.geom_m) AS y,
       coalesce(own.code, near.code) AS seat_code
FROM natural_villages n
LEFT JOIN admin_units v ON v.code = n.village_code AND v.level = 'village'
LEFT JOIN seats own ON own.level = 'township' AND own.code = substr(n.village_code, 1, 9) || '000'
LEFT JOIN LATERAL (SELECT s.code FROM seats s WHERE s.level = 'township'
                   ORDER BY s.geom_m <-> n.geom_m LIMIT 1) near ON own.code IS NULL
ORDER BY n.id
