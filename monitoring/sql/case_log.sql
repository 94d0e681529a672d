-- A case's timeline: every step in its log, oldest first.
SELECT l.at, l.actor_login, l.actor_role, l.action, l.from_state, l.to_state, l.round, l.level, l.reason
FROM mon_case_log l
WHERE l.case_id = %(case_id)s
ORDER BY l.at, l.id
