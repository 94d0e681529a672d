-- Natural villages for the road check, with the township seat they belong to (by code, else the nearest one).
SELECT n.id, n.households, coalesce(n.population, 0) AS population, ST_X(n.geom_m) AS x, ST_Y(n.geom_m) AS y,
       coalesce(own.code, near.code) AS seat_code
FROM natural_villages n
LEFT JOIN seats own ON own.level = 'township' AND own.code = substr(n.village_code, 1, 9) || '000'
LEFT JOIN LATERAL (SELECT s.code FROM seats s WHERE s.level = 'township'
                   ORDER BY s.geom_m <-> n.geom_m LIMIT 1) near ON own.code IS NULL
ORDER BY n.id
