-- Open signals in scope for the village's weekly assessment, oldest first, with the household.
SELECT s.id, s.household_id,
       CASE WHEN acct_sees_personal() THEN h.head_name ELSE mon_mask_name(h.head_name) END AS head_name,
       h.category AS household_category, s.village_code, a.village_name, s.source, s.rule, s.ref, s.detail,
       s.risk_types, s.raised_at
FROM mon_signals s
LEFT JOIN households h ON h.id = s.household_id
LEFT JOIN village_admin a ON a.village_code = s.village_code
WHERE s.state = 'open' AND (%(village)s::text IS NULL OR s.village_code = %(village)s)
ORDER BY s.raised_at, s.id
LIMIT %(limit)s
