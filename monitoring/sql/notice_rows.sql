-- The households a notice lists, as national practice shows them: name, villager group (natural village), members,
-- category, risks, and for an elimination the measures it rests on. Never an ID number or a phone.
SELECT c.id AS case_id, c.head_name, c.nv_name, c.members, c.category, c.risk_types, c.reason,
       ARRAY(SELECT m.kind FROM mon_measures m
             WHERE m.case_id = c.id AND m.state IN ('in_effect', 'ended') ORDER BY m.start_on, m.id) AS measures
FROM mon_notice_cases nc
JOIN mon_cases_v c ON c.id = nc.case_id
WHERE nc.notice_id = %(notice_id)s
ORDER BY c.nv_name, c.household_id
