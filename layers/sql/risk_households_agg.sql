-- Monitored households per natural village (drawn instead of single households when there are too many).
SELECT nv.id, nv.name, a.village_name, count(*) AS n, sum(h.members) AS people,
       count(*) FILTER (WHERE h.last_visit_on IS NULL
                        OR h.last_visit_on < current_date - %(visit_days)s::int) AS overdue_n,
       ST_X(nv.geom) AS lon, ST_Y(nv.geom) AS lat
FROM households h
JOIN natural_villages nv ON nv.id = h.natural_village_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
  AND (%(category)s::text IS NULL OR h.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
GROUP BY nv.id, nv.name, a.village_name, nv.geom;
