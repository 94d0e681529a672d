-- Sources out of service (failed or contaminated): candidates for repair, with what their works records say over
-- the last year (migration 653): complaints received, and water samples that failed.
SELECT id, name, kind, status, capacity_m3_per_day, people_served, piped_to_home, guarantee_rate,
       ST_X(geom_m) AS x, ST_Y(geom_m) AS y, ST_X(geom) AS lon, ST_Y(geom) AS lat,
       (SELECT count(*) FROM works_complaints c
        WHERE c.source_id = w.id AND c.received_on > current_date - 365) AS complaints,
       (SELECT count(*) FROM works_samples s
        WHERE s.source_id = w.id AND NOT s.passed AND s.sampled_on > current_date - 365) AS failed_samples
FROM water_sources w WHERE status IN ('failed', 'contaminated') ORDER BY id
