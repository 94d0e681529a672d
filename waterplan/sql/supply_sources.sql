-- Sources that can fill a truck: working (seasonal too outside a dry season), not among those out in the scenario,
-- with a known capacity; their own users (people served; where unknown, the people whose stored result names them).
SELECT s.id, s.name, s.kind, s.status, s.capacity_m3_per_day,
       coalesce(s.people_served, (SELECT sum(r.people) FROM water_results r
                                  WHERE r.rule_set = %(label)s AND r.source_id = s.id AND r.compliant), 0)::float
           AS own_users,
       ST_X(s.geom_m) AS x, ST_Y(s.geom_m) AS y, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat
FROM water_sources s
WHERE (s.status = 'working' OR (s.status = 'seasonal' AND NOT %(dry_season)s))
  AND NOT s.id = ANY(%(out)s::text[])
  AND s.capacity_m3_per_day IS NOT NULL
ORDER BY s.id
