-- A list's rows (temp table dept_in) stored and matched to the members by ID number (the first member by id, should
-- two carry one number: looked up by the index, no sort of the whole list); a row already stored the same is left
-- alone, so the same list again changes nothing. Parameters: list_id.
INSERT INTO dept_list_rows (list_id, row_no, id_number, name, member_id, household_id, village_code, fields)
SELECT %(list_id)s, i.row_no, i.id_number, i.name, m.id, m.household_id, nv.village_code, i.fields
FROM dept_in i
LEFT JOIN LATERAL (SELECT x.id, x.household_id FROM household_members x WHERE x.id_number = i.id_number
                   ORDER BY x.id LIMIT 1) m ON true
LEFT JOIN households h ON h.id = m.household_id
LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
ON CONFLICT (list_id, id_number) DO UPDATE
SET row_no = EXCLUDED.row_no, name = EXCLUDED.name, member_id = EXCLUDED.member_id,
    household_id = EXCLUDED.household_id, village_code = EXCLUDED.village_code, fields = EXCLUDED.fields
WHERE (dept_list_rows.row_no, dept_list_rows.name, dept_list_rows.member_id, dept_list_rows.household_id,
       dept_list_rows.village_code, dept_list_rows.fields)
      IS DISTINCT FROM (EXCLUDED.row_no, EXCLUDED.name, EXCLUDED.member_id, EXCLUDED.household_id,
                        EXCLUDED.village_code, EXCLUDED.fields);
