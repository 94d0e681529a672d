-- The steps from a case's state that the signed-in person's role may take (returns and objections too), each with
-- the database's refusal, or NULL when it is open to them now.
SELECT t.action, t.to_state, t.level, t.via, mon_refusal(c.id, t.action, t.to_state) AS refusal
FROM mon_cases c
JOIN mon_transitions t ON t.from_state = c.state
WHERE c.id = %(case_id)s AND acct_role() = ANY (t.roles) AND t.from_state <> t.to_state
ORDER BY t.action = 'return', t.to_state
