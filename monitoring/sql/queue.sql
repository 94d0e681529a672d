-- What may wait on the signed-in person: for every open case in scope, each step forward from its state that their
-- role may take (returns and objections answer; they do not wait), with the database's refusal if any (the notice
-- window still open, no consent yet, …) and how many days the case has been in its state.
SELECT c.id AS case_id, c.household_id, c.head_name, c.village_code, c.village_name, c.township_name, c.category,
       c.risk_types, c.state, t.action, t.to_state, t.level, c.state_since,
       mon_today() - (c.state_since AT TIME ZONE 'Asia/Shanghai')::date AS days,
       r.refusal
FROM mon_cases_v c
JOIN mon_transitions t ON t.from_state = c.state
CROSS JOIN LATERAL (SELECT mon_refusal(c.id, t.action, t.to_state) AS refusal) r
WHERE NOT c.closed AND acct_role() = ANY (t.roles)
  AND t.from_state <> t.to_state AND t.action NOT IN ('return', 'object', 'close')
  AND NOT (t.action = 'draw' AND t.to_state = 'elimination_spot_check')
ORDER BY c.state_since, c.id
