-- A recorded spot check: its seed and rate, and its whole pool with which cases were sampled and their re-checks.
SELECT i.case_id AS id, i.township_code, i.sampled, i.result, s.seed, s.rate, s.drawn_at, s.drawn_by_login
FROM mon_spot_check_items i
JOIN mon_spot_checks s ON s.id = i.spot_check_id
WHERE i.spot_check_id = %(id)s
ORDER BY i.township_code, i.case_id
