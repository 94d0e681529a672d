-- The sources out in a scenario, as the water check sees a source: piped, guarantee rate, metric x, y.
SELECT id, piped_to_home, guarantee_rate, ST_X(geom_m) AS x, ST_Y(geom_m) AS y
FROM water_sources WHERE id = ANY(%(ids)s::text[]) ORDER BY id
