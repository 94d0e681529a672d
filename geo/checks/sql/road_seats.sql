-- Township seats in the metric frame.
SELECT code, ST_X(geom_m) AS x, ST_Y(geom_m) AS y FROM seats WHERE level = 'township' ORDER BY code
