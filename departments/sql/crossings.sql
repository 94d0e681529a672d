-- Where a department's list crosses the register (against the members as they are before the list updates them):
-- insurance lost, a medical cost over the setting, a new or graver disability, a child no longer enrolled, an exited
-- household now on dibao or tekun. The ref (kind, period, ID number) makes raising again add nothing.
-- Parameters: list_id, kind, period, medical_cost.
SELECT %(kind)s || ':' || %(period)s || ':' || r.id_number AS ref, r.household_id, x.rule, x.risk_types,
       x.detail || jsonb_build_object('member_id', m.id, 'period', %(period)s) AS detail
FROM dept_list_rows r
JOIN household_members m ON m.id = r.member_id
JOIN households h ON h.id = r.household_id
CROSS JOIN LATERAL (
    SELECT 'insurance_lost' AS rule, ARRAY['illness'] AS risk_types, jsonb_build_object('insured_before', m.insured)
           AS detail
    WHERE %(kind)s = 'insurance' AND (r.fields ->> 'insured')::boolean IS FALSE AND m.insured IS NOT FALSE
    UNION ALL
    SELECT 'medical_cost_high', ARRAY['illness'],
           jsonb_build_object('out_of_pocket_yuan', (r.fields ->> 'out_of_pocket_yuan')::float8,
                              'threshold_yuan', %(medical_cost)s)
    WHERE %(kind)s = 'medical' AND (r.fields ->> 'out_of_pocket_yuan')::float8 > %(medical_cost)s
    UNION ALL
    SELECT 'disability_certified', ARRAY['disability'],
           jsonb_build_object('grade', (r.fields ->> 'disability_grade')::int, 'grade_before', m.disability_grade)
    WHERE %(kind)s = 'disability'
      AND (m.disability_grade IS NULL OR (r.fields ->> 'disability_grade')::int < m.disability_grade)
    UNION ALL
    SELECT 'dropped_out', ARRAY['education'], jsonb_build_object('school', coalesce(r.fields ->> 'school', m.school))
    WHERE %(kind)s = 'school' AND (r.fields ->> 'enrolled')::boolean IS FALSE AND m.enrolled IS NOT FALSE
    UNION ALL
    SELECT 'on_dibao', ARRAY[]::text[], jsonb_build_object('category', r.fields ->> 'category')
    WHERE %(kind)s = 'dibao' AND h.category = 'exited'
) x
WHERE r.list_id = %(list_id)s
ORDER BY r.row_no;
