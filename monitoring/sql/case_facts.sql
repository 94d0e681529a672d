-- What is true of every case on a day: its state at the end of `as_of` and what happened to it in the period from
-- `since` (its first table: sql/case_states.sql for that one day), whether the household counted as monitored, the level
-- its next step waits at and since when, and what is wrong with it. The monthly report counts these and the ledger
-- lists them (monitoring/report.py), so each rule is written here once. Run as the user, row-level security keeps
-- it to their scope. Each table is read once and grouped per case, so a county's thousands of cases cost one pass.
-- Parameters: days and sinces (one each: as_of and since), as_of, visit_days (the monthly contact visit,
-- geo/settings.py), village (one village code, or NULL for all).
WITH states AS ({states}
), cases AS MATERIALIZED (
    SELECT c.* FROM mon_cases c WHERE %(village)s::text IS NULL OR c.village_code = %(village)s
), effect AS (                -- the measures in effect on the day, and the risks they answer
    SELECT m.case_id, array_agg(m.kind ORDER BY m.start_on, m.id) AS measures,
           array_agg(DISTINCT r) FILTER (WHERE r IS NOT NULL) AS covered
    FROM mon_measures m JOIN cases c ON c.id = m.case_id
    LEFT JOIN LATERAL unnest(m.risk_types) AS r ON true
    WHERE mon_in_effect(m.state, m.start_on, m.end_on, %(as_of)s::date)
    GROUP BY m.case_id
), closing AS (               -- after a notice, the wait for the next step starts when its window closes
    SELECT nc.case_id, max(n.closes_on) AS closes_on
    FROM mon_notice_cases nc JOIN mon_notices n ON n.id = nc.notice_id
    WHERE n.posted_on <= %(as_of)s::date
    GROUP BY nc.case_id
), objected AS (              -- objections received and not answered by the end of the day
    SELECT DISTINCT o.case_id FROM mon_objections o
    WHERE o.received_on <= %(as_of)s::date
      AND (o.resolved_at IS NULL OR (o.resolved_at AT TIME ZONE 'Asia/Shanghai')::date > %(as_of)s::date)
), waits AS (                 -- the level each state's next step is taken at, and how long it may wait there
    SELECT DISTINCT ON (from_state) from_state, level, (mon_setting('review_days_' || level))::integer AS days
    FROM mon_transitions
    WHERE from_state <> to_state AND action NOT IN ('return', 'object', 'close', 'propose_elimination')
    ORDER BY from_state, level
), minimum AS (               -- the support time each category needs before its risk may be eliminated
    SELECT category, mon_min_support_days(category) AS days
    FROM unnest(ARRAY['unstable', 'marginal', 'sudden_hardship']) AS category
), facts AS (
    SELECT c.id AS case_id, c.household_id, c.village_code, c.category, c.risk_types, c.found_by, c.historical,
           c.identified_on, c.eliminated_on, c.consent_on, h.members, s.state, st.chain, st.monitored,
           s.since AS state_since, w.level AS waiting_level, w.days AS waiting_days,
           CASE WHEN s.state IN ('notice', 'elimination_notice') THEN cl.closes_on
                WHEN w.level IS NOT NULL THEN s.since END AS waiting_since,
           lv.last_visit_on,
           coalesce(e.measures, '{}') AS measures, coalesce(e.covered, '{}') AS covered,
           s.elimination_asked_on,
           coalesce(s.elimination_asked_on - c.identified_on < mn.days, false) AS early_elimination,
           s.state IN ('proposed', 'village_assessed', 'returned') AND c.consent_on IS NULL AS no_consent,
           ob.case_id IS NOT NULL AS objection_open,
           s.identified_in_period, s.eliminated_in_period
    FROM cases c
    JOIN states s ON s.case_id = c.id
    JOIN mon_states st ON st.state = s.state
    LEFT JOIN households h ON h.id = c.household_id
    LEFT JOIN household_last_visits_on(%(as_of)s::date, ARRAY(SELECT household_id FROM cases)) lv
           ON lv.household_id = c.household_id
    LEFT JOIN waits w ON w.from_state = s.state
    LEFT JOIN closing cl ON cl.case_id = c.id
    LEFT JOIN effect e ON e.case_id = c.id
    LEFT JOIN objected ob ON ob.case_id = c.id
    LEFT JOIN minimum mn ON mn.category = c.category
)
SELECT f.*,
       coalesce(f.waiting_since <= %(as_of)s::date AND %(as_of)s::date - f.waiting_since > f.waiting_days, false)
           AS review_overdue,
       f.monitored AND coalesce(f.last_visit_on < %(as_of)s::date - %(visit_days)s::integer, true) AS no_visit,
       CASE WHEN f.monitored THEN ARRAY(SELECT r FROM unnest(f.risk_types) AS r
                                        WHERE NOT r = ANY (f.covered) ORDER BY r)
            ELSE '{}' END AS uncovered
FROM facts f
ORDER BY f.case_id
