-- A case's support measures, and whether each is in effect today.
SELECT m.id, m.kind, m.risk_types, m.department, m.start_on, m.end_on, m.amount_yuan, m.state, m.note,
       mon_in_effect(m.state, m.start_on, m.end_on, mon_today()) AS in_effect
FROM mon_measures m
WHERE m.case_id = %(case_id)s
ORDER BY m.start_on, m.id
