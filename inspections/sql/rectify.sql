-- A failing check opens a rectification item (整改) on its target unless one is open for that kind of check;
-- a passing check closes (销号) the items opened by an earlier check of the same kind on the same target.
WITH i AS (SELECT * FROM inspections WHERE id = %(id)s),
opened AS (
    INSERT INTO rectifications (target_kind, target_id, kind, opened_by, opened_at)
    SELECT target_kind, target_id, kind, id, submitted_at FROM i WHERE result = 'fail'
    ON CONFLICT (target_kind, target_id, kind) WHERE closed_at IS NULL DO NOTHING
    RETURNING id)
UPDATE rectifications r SET closed_by = i.id, closed_at = i.submitted_at
FROM i, inspections o
WHERE i.result = 'pass' AND r.closed_at IS NULL AND r.target_kind = i.target_kind AND r.target_id = i.target_id
  AND r.kind = i.kind AND o.id = r.opened_by AND o.submitted_at < i.submitted_at
