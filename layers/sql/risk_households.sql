-- Monitored households (监测对象) in scope, at most cap + 1 rows (more means: draw the aggregate instead).
SELECT h.id, h.head_name, h.category, h.monitor_state, h.risk_types, h.members, h.support_contact,
       h.last_visit_on, nv.name AS nv_name, a.village_name,
       (h.last_visit_on IS NULL OR h.last_visit_on < current_date - %(visit_days)s::int) AS overdue,
       ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
FROM households h
JOIN natural_villages nv ON nv.id = h.natural_village_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
  AND (%(category)s::text IS NULL OR h.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
ORDER BY h.id
LIMIT %(cap)s + 1;
