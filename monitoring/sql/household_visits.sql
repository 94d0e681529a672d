-- A household's visits logged in the app (household_visit checks), newest first, with the answers that matter to
-- its case; the imported last visit is on the case row.
SELECT i.id::text AS id, (i.submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS visited_on, i.result,
       i.review_state, n.name AS inspector, i.answers -> 'new_risks' AS new_risks,
       i.answers -> 'income_per_capita' AS income_per_capita
FROM inspections i
LEFT JOIN inspectors n ON n.id = i.inspector_id
WHERE i.target_kind = 'household' AND i.target_id = %(household_id)s AND i.kind = 'household_visit'
ORDER BY i.submitted_at DESC
