-- What is true of every case on a day, from the cases and their log: its state at the end of `as_of` (its last move
-- by then), whether the household counted as monitored, the level its next step waits at and since when, and what
-- is wrong with it. The monthly report counts these and the ledger lists them (monitoring/report.py), so each rule
-- is written here once. Run as the user, row-level security keeps it to their scope.
-- Parameters: as_of (a county date), since (the first day of the period whose identifications and eliminations are
-- counted), visit_days (the monthly contact visit, geo/settings.py).
SELECT c.id AS case_id, c.household_id, c.village_code, c.category, c.risk_types, c.found_by, c.historical,
       c.identified_on, c.eliminated_on, c.consent_on, h.members, s.state, st.chain, st.monitored,
       s.since AS state_since, w.level AS waiting_level, w.since AS waiting_since,
       coalesce(w.since <= %(as_of)s::date
                AND %(as_of)s::date - w.since > (mon_setting('review_days_' || w.level))::integer, false)
           AS review_overdue,
       household_last_visit(c.household_id, %(as_of)s::date) AS last_visit_on,
       st.monitored AND coalesce(household_last_visit(c.household_id, %(as_of)s::date)
                                 < %(as_of)s::date - %(visit_days)s::integer, true) AS no_visit,
       ARRAY(SELECT m.kind FROM mon_measures m
             WHERE m.case_id = c.id AND mon_in_effect(m.state, m.start_on, m.end_on, %(as_of)s::date)
             ORDER BY m.start_on, m.id) AS measures,
       CASE WHEN st.monitored
            THEN ARRAY(SELECT r FROM unnest(c.risk_types) AS r
                       WHERE NOT EXISTS (SELECT 1 FROM mon_measures m
                                         WHERE m.case_id = c.id AND r = ANY (m.risk_types)
                                           AND mon_in_effect(m.state, m.start_on, m.end_on, %(as_of)s::date))
                       ORDER BY r)
            ELSE '{}' END AS uncovered,
       coalesce(e.on_day - c.identified_on < mon_min_support_days(c.category), false) AS early_elimination,
       e.on_day AS elimination_asked_on,
       s.state IN ('proposed', 'village_assessed', 'returned') AND c.consent_on IS NULL AS no_consent,
       EXISTS (SELECT 1 FROM mon_objections o
               WHERE o.case_id = c.id AND o.received_on <= %(as_of)s::date
                 AND (o.resolved_at IS NULL
                      OR (o.resolved_at AT TIME ZONE 'Asia/Shanghai')::date > %(as_of)s::date)) AS objection_open,
       EXISTS (SELECT 1 FROM mon_case_log l
               WHERE l.case_id = c.id AND l.to_state = 'identified'
                 AND (l.action = 'confirm' OR (l.action = 'import' AND NOT c.identified_on_estimated))
                 AND l.at >= %(since)s::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                 AND l.at < (%(as_of)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS identified_in_period,
       EXISTS (SELECT 1 FROM mon_case_log l
               WHERE l.case_id = c.id AND l.to_state = 'eliminated'
                 AND l.at >= %(since)s::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                 AND l.at < (%(as_of)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS eliminated_in_period
FROM mon_cases c
-- the state the case was in at the end of the day: its last move by then (a consent or an answered objection
-- records without moving)
JOIN LATERAL (SELECT l.to_state AS state, (l.at AT TIME ZONE 'Asia/Shanghai')::date AS since
              FROM mon_case_log l
              WHERE l.case_id = c.id AND l.from_state IS DISTINCT FROM l.to_state
                AND l.at < (%(as_of)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
              ORDER BY l.at DESC, l.id DESC LIMIT 1) s ON true
JOIN mon_states st ON st.state = s.state
LEFT JOIN households h ON h.id = c.household_id
-- the level its next step waits at, from the day it could be taken (after a notice: the day its window closed)
LEFT JOIN LATERAL (SELECT t.level,
                          CASE WHEN s.state IN ('notice', 'elimination_notice')
                               THEN (SELECT max(n.closes_on) FROM mon_notice_cases nc
                                     JOIN mon_notices n ON n.id = nc.notice_id
                                     WHERE nc.case_id = c.id AND n.posted_on <= %(as_of)s::date)
                               ELSE s.since END AS since
                   FROM mon_transitions t
                   WHERE t.from_state = s.state AND t.from_state <> t.to_state
                     AND t.action NOT IN ('return', 'object', 'close', 'propose_elimination')
                   ORDER BY t.level LIMIT 1) w ON true
-- the day its risk elimination was asked for (or, for an imported case, the day it was eliminated)
LEFT JOIN LATERAL (SELECT (l.at AT TIME ZONE 'Asia/Shanghai')::date AS on_day
                   FROM mon_case_log l
                   WHERE l.case_id = c.id
                     AND (l.action = 'propose_elimination' OR (l.action = 'import' AND l.to_state = 'eliminated'))
                     AND l.at < (%(as_of)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
                   ORDER BY l.at DESC, l.id DESC LIMIT 1) e ON true
WHERE (%(village)s::text IS NULL OR c.village_code = %(village)s)
ORDER BY c.id
