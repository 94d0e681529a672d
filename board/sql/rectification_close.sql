-- Close (销号) an open hand-entered finding with its evidence and reviewer; returns the row closed, if any.
-- Parameters: subject_id, evidence, reviewer.
UPDATE rectification_items
SET closed_on = current_date, closed_by = 'review', evidence = %(evidence)s, reviewer = %(reviewer)s
WHERE kind = 'finding' AND subject_id = %(subject_id)s AND closed_on IS NULL
RETURNING subject_id;
