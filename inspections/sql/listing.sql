-- Inspections in a scope for reviewers: newest first, with their flag codes. Parameters: prefix, states (array or
-- NULL for all), flagged_only, lim.
SELECT i.id::text AS id, i.kind, i.target_kind, i.target_id, i.village_code, i.result, i.review_state,
       n.name AS inspector, i.submitted_at,
       coalesce((SELECT array_agg(DISTINCT f.code ORDER BY f.code) FROM inspection_flags f
                 WHERE f.inspection_id = i.id), '{}') AS flags
FROM inspections i JOIN inspectors n ON n.id = i.inspector_id
WHERE coalesce(i.village_code, '') LIKE %(prefix)s || '%%'
  AND (%(states)s::text[] IS NULL OR i.review_state = ANY(%(states)s::text[]))
  AND (NOT %(flagged_only)s OR EXISTS (SELECT 1 FROM inspection_flags f WHERE f.inspection_id = i.id))
ORDER BY i.submitted_at DESC
LIMIT %(lim)s
