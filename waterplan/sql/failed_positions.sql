-- Positions (metric and lon/lat) of the sources named out of service.
SELECT id, ST_X(geom_m) AS x, ST_Y(geom_m) AS y, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM water_sources WHERE id = ANY(%(ids)s::text[]) ORDER BY id
