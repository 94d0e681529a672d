-- The rectification list in scope, newest first, open ones before closed ones.
SELECT i.kind, i.subject_id, i.problem, i.detail, i.owner, i.opened_on, i.due_on, i.closed_on, i.closed_by,
       va.village_name, va.township_name,
       (i.closed_on IS NULL AND i.due_on < current_date) AS overdue
FROM rectification_items i
LEFT JOIN village_admin va ON va.village_code = i.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR i.village_code = %(village)s)
  AND (%(kind)s::text IS NULL OR i.kind = %(kind)s)
  AND (%(show_closed)s OR i.closed_on IS NULL)
ORDER BY (i.closed_on IS NULL) DESC, i.due_on, i.kind, i.subject_id;
