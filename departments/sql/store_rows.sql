-- A list's rows (temp table dept_in) stored and matched to the members by ID number; a row already stored the same
-- is left alone, so the same list again changes nothing. Parameters: list_id.
INSERT INTO dept_list_rows (list_id, row_no, id_number, name, member_id, household_id, village_code, fields)
SELECT DISTINCT ON (i.id_number) %(list_id)s, i.row_no, i.id_number, i.name, m.id, m.household_id, nv.village_code,
       i.fields
FROM dept_in i
LEFT JOIN household_members m ON m.id_number = i.id_number
LEFT JOIN households h ON h.id = m.household_id
LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
ORDER BY i.id_number, m.id
ON CONFLICT (list_id, id_number) DO UPDATE
SET row_no = EXCLUDED.row_no, name = EXCLUDED.name, member_id = EXCLUDED.member_id,
    household_id = EXCLUDED.household_id, village_code = EXCLUDED.village_code, fields = EXCLUDED.fields
WHERE (dept_list_rows.row_no, dept_list_rows.name, dept_list_rows.member_id, dept_list_rows.household_id,
       dept_list_rows.village_code, dept_list_rows.fields)
      IS DISTINCT FROM (EXCLUDED.row_no, EXCLUDED.name, EXCLUDED.member_id, EXCLUDED.household_id,
                        EXCLUDED.village_code, EXCLUDED.fields);
