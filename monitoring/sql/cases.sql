-- Cases in the caller's scope (row-level security), newest first; optionally one state, one village, one case.
SELECT c.id AS case_id, c.household_id, c.head_name, c.members, c.village_code, c.village_name, c.township_code,
       c.township_name, c.nv_name, c.category, c.risk_types, c.found_by, c.state, c.round, c.state_since,
       c.proposed_on, c.identified_on, c.elimination_proposed_on, c.eliminated_on, c.consent_on,
       c.consent_by_login, c.support_contact, c.support_user_id, c.income_per_capita, c.reason, c.historical,
       c.last_visit_on, c.lon, c.lat
FROM mon_cases_v c
WHERE (%(state)s::text IS NULL OR c.state = %(state)s)
  AND (%(village)s::text IS NULL OR c.village_code = %(village)s)
  AND (%(case_id)s::bigint IS NULL OR c.id = %(case_id)s)
ORDER BY c.state_since DESC, c.id DESC
LIMIT %(limit)s
