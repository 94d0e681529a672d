-- The state each case in scope was in at the end of each of some days, and what happened to it in the period before
-- each (from its `since`): its last move by then (a consent or an answer records without moving), whether it was
-- identified (by the county's confirmation, or imported with a known date) or eliminated in the period, and the
-- day its elimination was last asked for (for an imported case: the day it was eliminated). One pass over the log,
-- in the county's dates. The report, the ledger (one day) and the overview's months (twelve) read it.
-- Parameters: days, sinces (date arrays of the same length).
WITH periods AS (
    SELECT * FROM unnest(%(days)s::date[], %(sinces)s::date[]) AS p(day, since)
), log AS MATERIALIZED (
    SELECT l.case_id, l.action, l.from_state, l.to_state, l.at, l.id,
           (l.at AT TIME ZONE 'Asia/Shanghai')::date AS on_day, c.identified_on_estimated
    FROM mon_case_log l JOIN mon_cases c ON c.id = l.case_id
), state AS (
    SELECT DISTINCT ON (p.day, l.case_id) p.day, l.case_id, l.to_state AS state, l.on_day AS since
    FROM periods p JOIN log l ON l.on_day <= p.day
    WHERE l.from_state IS DISTINCT FROM l.to_state
    ORDER BY p.day, l.case_id, l.at DESC, l.id DESC
), happened AS (
    SELECT p.day, l.case_id,
           bool_or(l.to_state = 'identified'
                   AND (l.action = 'confirm' OR (l.action = 'import' AND NOT l.identified_on_estimated)))
               AS identified_in_period,
           bool_or(l.to_state = 'eliminated') AS eliminated_in_period
    FROM periods p JOIN log l ON l.on_day BETWEEN p.since AND p.day
    GROUP BY p.day, l.case_id
), asked AS (
    SELECT DISTINCT ON (p.day, l.case_id) p.day, l.case_id, l.on_day
    FROM periods p JOIN log l ON l.on_day <= p.day
    WHERE l.action = 'propose_elimination' OR (l.action = 'import' AND l.to_state = 'eliminated')
    ORDER BY p.day, l.case_id, l.at DESC, l.id DESC
)
SELECT s.day, s.case_id, s.state, s.since, coalesce(h.identified_in_period, false) AS identified_in_period,
       coalesce(h.eliminated_in_period, false) AS eliminated_in_period, a.on_day AS elimination_asked_on
FROM state s
LEFT JOIN happened h ON h.day = s.day AND h.case_id = s.case_id
LEFT JOIN asked a ON a.day = s.day AND a.case_id = s.case_id
