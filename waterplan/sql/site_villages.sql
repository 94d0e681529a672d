-- Natural villages as candidate sites for a new source, metric and lon/lat coordinates.
SELECT id, name, ST_X(geom_m) AS x, ST_Y(geom_m) AS y FROM natural_villages ORDER BY id
