-- Sources out of service (failed or contaminated): candidates for repair.
SELECT id, name, kind, status, capacity_m3_per_day, people_served, piped_to_home, guarantee_rate,
       ST_X(geom_m) AS x, ST_Y(geom_m) AS y, ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM water_sources WHERE status IN ('failed', 'contaminated') ORDER BY id
