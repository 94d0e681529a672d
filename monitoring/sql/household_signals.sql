-- The signals about a household, newest first.
SELECT s.id, s.source, s.rule, s.ref, s.detail, s.risk_types, s.raised_at, s.state, s.case_id, s.handled_reason
FROM mon_signals s
WHERE s.household_id = %(household_id)s
ORDER BY s.raised_at DESC, s.id DESC
