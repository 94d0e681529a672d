-- The one ledger (一本账) in scope: the rectification items of checks, records and hand-entered findings, and the
-- failing field inspections' items (`rectifications`, opened by a failure, closed by a later pass), newest first,
-- open ones before closed ones. Parameters: township, village, kind, source, overdue_only, show_closed,
-- inspection_days (the deadline of an inspection's item after its failure).
WITH ledger AS (
    SELECT i.kind, i.source, i.category, i.subject_id, i.village_code, i.problem, i.detail, i.owner,
           i.opened_on, i.due_on, i.closed_on, i.closed_by, i.evidence, i.reviewer
    FROM rectification_items i
    UNION ALL
    SELECT 'inspection', 'inspection', r.kind, r.target_kind || ':' || r.target_id, o.village_code,
           'inspection_fail', o.id::text, coalesce(va.village_name || ' 村委会', '-'),
           (o.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
           (o.submitted_at AT TIME ZONE 'Asia/Shanghai')::date + %(inspection_days)s::int,
           (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date, r.closed_by::text,
           CASE WHEN r.closed_by IS NOT NULL THEN 'inspection ' || r.closed_by::text END,
           p.name
    FROM rectifications r
    JOIN inspections o ON o.id = r.opened_by
    LEFT JOIN village_admin va ON va.village_code = o.village_code
    LEFT JOIN inspections c ON c.id = r.closed_by
    LEFT JOIN inspectors p ON p.id = c.inspector_id
)
SELECT l.kind, l.source, l.category, l.subject_id, l.village_code, l.problem, l.detail, l.owner, l.opened_on,
       l.due_on, l.closed_on, l.closed_by, l.evidence, l.reviewer, va.village_name, va.township_name,
       (l.closed_on IS NULL AND l.due_on < current_date) AS overdue
FROM ledger l
LEFT JOIN village_admin va ON va.village_code = l.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR l.village_code = %(village)s)
  AND (%(kind)s::text IS NULL OR l.kind = %(kind)s)
  AND (%(source)s::text IS NULL OR l.source = %(source)s)
  AND (NOT %(overdue_only)s OR (l.closed_on IS NULL AND l.due_on < current_date))
  AND (%(show_closed)s OR l.closed_on IS NULL)
ORDER BY (l.closed_on IS NULL) DESC, l.due_on, l.kind, l.subject_id;
