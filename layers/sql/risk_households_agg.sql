-- Monitored households (open cases) per natural village (drawn instead of single households when there are too
-- many), with how many are overdue for a visit.
SELECT nv.id, nv.name, a.village_name, count(*) AS n, sum(h.members) AS people,
       count(*) FILTER (WHERE lv.last_visit_on IS NULL
                        OR lv.last_visit_on < current_date - %(visit_days)s::int) AS overdue_n,
       ST_X(nv.geom) AS lon, ST_Y(nv.geom) AS lat
FROM monitored_households m
JOIN households h ON h.id = m.household_id
JOIN natural_villages nv ON nv.id = h.natural_village_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
LEFT JOIN monitored_last_visits lv ON lv.household_id = m.household_id
WHERE (%(category)s::text IS NULL OR m.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
GROUP BY nv.id, nv.name, a.village_name, nv.geom;
