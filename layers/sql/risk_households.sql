-- Monitored households (监测对象: an open case in a monitored state) in scope, at most cap + 1 rows (more means: draw
-- the aggregate instead); the case's state, risks and support contact, the last visit imported or logged in the app.
SELECT h.id, h.head_name, m.category, m.state, m.case_id, m.risk_types, h.members, m.support_contact,
       lv.last_visit_on, nv.name AS nv_name, a.village_name,
       (lv.last_visit_on IS NULL OR lv.last_visit_on < current_date - %(visit_days)s::int) AS overdue,
       ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
FROM monitored_households m
JOIN households h ON h.id = m.household_id
JOIN natural_villages nv ON nv.id = h.natural_village_id
JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
LEFT JOIN monitored_last_visits lv ON lv.household_id = m.household_id
WHERE (%(category)s::text IS NULL OR m.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
ORDER BY h.id
LIMIT %(cap)s + 1;
