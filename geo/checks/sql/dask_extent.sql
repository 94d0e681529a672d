-- The water check's subjects (households, or natural villages where none are loaded): how many and their extent in
-- the metric frame, for the distributed run's plan.
SELECT count(*), min(ST_X(geom_m)), min(ST_Y(geom_m)), max(ST_X(geom_m)), max(ST_Y(geom_m))
FROM (SELECT geom_m FROM households WHERE %(use_households)s
      UNION ALL
      SELECT geom_m FROM natural_villages WHERE NOT %(use_households)s) s
