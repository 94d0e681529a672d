-- The overview's indicators per administrative village, from the records and the check results (never recomputed
-- here): monitored households and people (open cases) and their overdue visits (imported or logged in the app), dangerous houses not yet safe, households and people
-- failing the water rule, natural villages with a road gap, relocated households without a worker, assets not
-- registered within 3 months, inspections still under review.
WITH hh AS (   -- monitored households: an open case in a monitored state (an eliminated one no longer counts)
    SELECT a.village_code,
           count(*) AS monitored,
           coalesce(sum(h.members), 0) AS monitored_people,
           count(*) FILTER (WHERE lv.last_visit_on IS NULL
                              OR lv.last_visit_on < current_date - %(visit_days)s::int) AS overdue_visits
    FROM monitored_households m
    JOIN households h ON h.id = m.household_id
    JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
    LEFT JOIN monitored_last_visits lv ON lv.household_id = m.household_id
    GROUP BY a.village_code
), ho AS (
    SELECT a.village_code, count(*) AS dangerous_houses
    FROM houses x JOIN households h ON h.id = x.household_id
    JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
    WHERE x.grade IN ('C', 'D') AND x.renovation_state <> 'safe_occupancy'
    GROUP BY a.village_code
), wa AS (
    SELECT village_code, sum(households) FILTER (WHERE compliant IS FALSE) AS water_fail_hh,
           sum(people) FILTER (WHERE compliant IS FALSE) AS water_fail_people
    FROM water_results_rollup WHERE rule_set = %(rule_set)s
    GROUP BY village_code
), ro AS (
    SELECT a.village_code, count(*) FILTER (WHERE r.gap) AS road_gaps
    FROM road_results r JOIN nv_admin a ON a.natural_village_id = r.natural_village_id
    WHERE r.rule_set = %(rule_set)s
    GROUP BY a.village_code
), re AS (
    SELECT s.village_code, count(*) FILTER (WHERE rh.workers_employed = 0) AS relocation_no_worker
    FROM relocated_households rh JOIN relocation_sites s ON s.id = rh.site_id
    GROUP BY s.village_code
), asx AS (
    SELECT village_code, count(*) AS assets_unregistered
    FROM assets
    WHERE registered_on IS NULL AND accepted_on + interval '3 months' < current_date
    GROUP BY village_code
), sv AS (   -- village services (services_results): one row per administrative village
    SELECT village_code, (clinic_ok IS FALSE)::int AS clinic_fail, (bus_ok IS FALSE)::int AS bus_fail,
           (kindergarten_ok IS FALSE)::int AS kindergarten_fail
    FROM services_results WHERE rule_set = %(rule_set)s
), ins AS (
    SELECT village_code, count(*) AS inspections_open
    FROM inspections WHERE review_state <> 'county_confirmed'
    GROUP BY village_code
)
SELECT va.village_code AS code, va.village_name AS name, va.township_code, va.township_name,
       coalesce(hh.monitored, 0) AS monitored, coalesce(hh.monitored_people, 0) AS monitored_people,
       coalesce(hh.overdue_visits, 0) AS overdue_visits, coalesce(ho.dangerous_houses, 0) AS dangerous_houses,
       coalesce(wa.water_fail_hh, 0) AS water_fail_hh, coalesce(wa.water_fail_people, 0) AS water_fail_people,
       coalesce(ro.road_gaps, 0) AS road_gaps, coalesce(re.relocation_no_worker, 0) AS relocation_no_worker,
       coalesce(asx.assets_unregistered, 0) AS assets_unregistered,
       coalesce(ins.inspections_open, 0) AS inspections_open,
       coalesce(sv.clinic_fail, 0) AS clinic_fail, coalesce(sv.bus_fail, 0) AS bus_fail,
       coalesce(sv.kindergarten_fail, 0) AS kindergarten_fail
FROM village_admin va
LEFT JOIN hh ON hh.village_code = va.village_code
LEFT JOIN ho ON ho.village_code = va.village_code
LEFT JOIN wa ON wa.village_code = va.village_code
LEFT JOIN ro ON ro.village_code = va.village_code
LEFT JOIN re ON re.village_code = va.village_code
LEFT JOIN asx ON asx.village_code = va.village_code
LEFT JOIN ins ON ins.village_code = va.village_code
LEFT JOIN sv ON sv.village_code = va.village_code
ORDER BY va.township_code, va.village_code;
