-- The eliminations waiting for the county's spot check in a scope (the pool mon_draw takes itself): each case and
-- its township, as the inspections' stratified sample wants them.
SELECT c.id, left(c.village_code, 9) AS township_code
FROM mon_cases c
WHERE c.state = 'elimination_township_reviewed' AND c.village_code LIKE acct_scope_prefix(%(scope)s) || '%%'
ORDER BY c.id
