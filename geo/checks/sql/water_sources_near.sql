-- Sources that count (status one of %(statuses)s) within %(radius)s metres of a metric bbox, plus the nearest one
-- of each named subject (its fallback). The condition is repeated rather than put in a CTE so that each part uses
-- the GiST index (KNN too).
SELECT s.id, s.piped_to_home, s.guarantee_rate, ST_X(s.geom_m) AS x, ST_Y(s.geom_m) AS y
FROM water_sources s
WHERE s.status = ANY(%(statuses)s::text[])
  AND ST_DWithin(s.geom_m, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s), %(radius)s)
UNION
SELECT s.id, s.piped_to_home, s.guarantee_rate, ST_X(s.geom_m), ST_Y(s.geom_m)
FROM unnest(%(nearest_for)s::text[]) AS q(id)
JOIN households h ON h.id = q.id AND %(use_households)s
CROSS JOIN LATERAL (SELECT * FROM water_sources c
                    WHERE c.status = ANY(%(statuses)s::text[])
                    ORDER BY c.geom_m <-> h.geom_m LIMIT 1) s
UNION
SELECT s.id, s.piped_to_home, s.guarantee_rate, ST_X(s.geom_m), ST_Y(s.geom_m)
FROM unnest(%(nearest_for)s::text[]) AS q(id)
JOIN natural_villages n ON n.id = q.id AND NOT %(use_households)s
CROSS JOIN LATERAL (SELECT * FROM water_sources c
                    WHERE c.status = ANY(%(statuses)s::text[])
                    ORDER BY c.geom_m <-> n.geom_m LIMIT 1) s
ORDER BY 1
