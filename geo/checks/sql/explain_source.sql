-- The source an explanation names, with its position in the metric frame.
SELECT id, name, kind, status, piped_to_home, guarantee_rate, ST_X(geom_m) AS x, ST_Y(geom_m) AS y
FROM water_sources WHERE id = %(id)s
