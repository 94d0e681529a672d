-- Bring the rectification list (整改清单) up to date with the records and the latest check results, set-based:
-- open an item for every failing subject that has none open, close every open item whose problem is gone.
-- A kind whose check has no results for the rule set is left as it is (an empty results table resolves nothing).
-- Parameters: rule_set, water_days, road_days, housing_days, asset_days; works_days, works_year and the rule set's
-- works settings (training_county, training_township, disinfection_people, fee_rate).
WITH water_ran AS (SELECT EXISTS (SELECT 1 FROM water_results WHERE rule_set = %(rule_set)s) AS ran),
road_ran AS (SELECT EXISTS (SELECT 1 FROM road_results WHERE rule_set = %(rule_set)s) AS ran),
failing AS (
    SELECT 'water'::text AS kind, r.subject_id, a.village_code,
           coalesce(nullif(array_to_string(r.failed_clauses, ','), ''), 'no_source') AS problem,
           coalesce(r.source_id, '-') || ' '
               || coalesce(round(r.horizontal_m)::text, '-') || ' m, ' || coalesce(round(r.vertical_m)::text, '-')
               || ' m, ' || coalesce(round(r.round_trip_min::numeric, 1)::text, '-') || ' min' AS detail,
           coalesce(w.water_manager, a.village_name || ' 村委会') AS owner,
           current_date + %(water_days)s::int AS due_on, r.computed_at::text AS evidence
    FROM water_results r
    LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
    LEFT JOIN nv_admin a ON a.natural_village_id = coalesce(r.natural_village_id, h.natural_village_id)
    LEFT JOIN water_sources w ON w.id = r.source_id
    WHERE r.rule_set = %(rule_set)s AND r.compliant IS FALSE
    UNION ALL
    SELECT 'road', r.natural_village_id, a.village_code, 'road_gap',
           coalesce(round(r.road_distance_m)::text, '-') || ' m → ' || coalesce(r.road_id, '-'),
           coalesce(a.township_name || ' 人民政府', '-'), current_date + %(road_days)s::int, r.computed_at::text
    FROM road_results r
    LEFT JOIN nv_admin a ON a.natural_village_id = r.natural_village_id
    WHERE r.rule_set = %(rule_set)s AND r.gap
    UNION ALL
    SELECT 'housing', x.id, a.village_code,
           CASE WHEN x.idle AND x.occupied AND x.grade IN ('C', 'D') THEN 'idle_occupied' ELSE 'dangerous_house' END,
           x.grade || ' / ' || x.renovation_state,
           coalesce(h.support_contact, a.village_name || ' 村委会', '-'),
           coalesce(x.appraised_on, current_date) + %(housing_days)s::int, 'houses'
    FROM houses x
    LEFT JOIN households h ON h.id = x.household_id
    LEFT JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
    WHERE x.grade IN ('C', 'D') AND x.renovation_state <> 'safe_occupancy'
    UNION ALL
    SELECT 'asset', s.id, s.village_code,
           CASE WHEN s.registered_on IS NULL AND s.accepted_on + interval '3 months' < current_date
                THEN 'asset_unregistered' ELSE 'asset_broken' END,
           coalesce(s.name, '') || ' / ' || s.maintenance_state,
           coalesce(s.custodian, s.owner, '-'),
           CASE WHEN s.registered_on IS NULL AND s.accepted_on + interval '3 months' < current_date
                THEN (s.accepted_on + interval '3 months')::date
                ELSE current_date + %(asset_days)s::int END,
           'assets'
    FROM assets s
    WHERE (s.registered_on IS NULL AND s.accepted_on + interval '3 months' < current_date)
       OR s.maintenance_state IN ('broken', 'idle')
    UNION ALL
    -- Running the water works (migration 653): one subject per works (or village, or manager) and problem.
    SELECT 'works', f.subject || ':' || f.problem, f.village_code, f.problem, f.detail,
           coalesce(f.owner, va.village_name || ' 村委会', '-'), current_date + %(works_days)s::int, 'works'
    FROM (
        -- one water manager per village with a piped works (一村一名水管员)
        SELECT v.village_code AS subject, v.village_code, 'works_no_manager' AS problem, NULL::text AS detail,
               NULL::text AS owner
        FROM (SELECT DISTINCT village_code FROM water_sources
              WHERE village_code IS NOT NULL AND kind IN ('centralised', 'small_scheme')) v
        WHERE NOT EXISTS (SELECT 1 FROM works_managers m WHERE m.village_code = v.village_code)
        UNION ALL
        -- trainings this year: county and township, each at least as often as the rule set asks
        SELECT 'M' || m.id, m.village_code, 'works_training',
               coalesce(tr.county, 0) || ' / ' || coalesce(tr.township, 0), m.name
        FROM works_managers m
        LEFT JOIN (SELECT manager_id, count(*) FILTER (WHERE level = 'county') AS county,
                          count(*) FILTER (WHERE level = 'township') AS township
                   FROM works_trainings WHERE extract(year FROM held_on) = %(works_year)s GROUP BY manager_id) tr
               ON tr.manager_id = m.id
        WHERE coalesce(tr.county, 0) < %(training_county)s OR coalesce(tr.township, 0) < %(training_township)s
        UNION ALL
        -- disinfection equipment on every works serving the rule set's number of people or more
        SELECT w.id, w.village_code, 'works_disinfection', w.people_served::text, w.water_manager
        FROM water_sources w
        WHERE w.people_served >= %(disinfection_people)s AND NOT w.disinfection
        UNION ALL
        -- the year's water fees collected at the rule set's share or more
        SELECT f.source_id, w.village_code, 'works_fees',
               round(100 * f.collected_yuan / f.due_yuan, 1) || '%%', w.water_manager
        FROM works_fees f JOIN water_sources w ON w.id = f.source_id
        WHERE f.year = %(works_year)s AND f.due_yuan > 0 AND f.collected_yuan < %(fee_rate)s::numeric * f.due_yuan
        UNION ALL
        -- a failed water-quality sample not followed by a passing one
        SELECT s.source_id, w.village_code, 'works_sample_failed', s.sampled_on || ' ' || s.lab, w.water_manager
        FROM works_samples s JOIN water_sources w ON w.id = s.source_id
        WHERE NOT s.passed
          AND NOT EXISTS (SELECT 1 FROM works_samples p WHERE p.source_id = s.source_id AND p.passed
                                                          AND p.sampled_on > s.sampled_on)
          AND s.sampled_on = (SELECT max(x.sampled_on) FROM works_samples x
                              WHERE x.source_id = s.source_id AND NOT x.passed)
        UNION ALL
        -- complaints answered and followed by a return visit (回访)
        SELECT 'C' || c.id, w.village_code,
               CASE WHEN c.answered_on IS NULL THEN 'complaint_unanswered' ELSE 'complaint_no_return_visit' END,
               c.received_on || ' ' || coalesce(c.summary, ''), w.water_manager
        FROM works_complaints c JOIN water_sources w ON w.id = c.source_id
        WHERE c.return_visit_on IS NULL
    ) f
    LEFT JOIN village_admin va ON va.village_code = f.village_code
), opened AS (
    INSERT INTO rectification_items (kind, source, subject_id, village_code, problem, detail, owner, due_on)
    SELECT kind, CASE WHEN kind IN ('housing', 'asset', 'works') THEN 'record' ELSE 'check' END, subject_id, village_code,
           problem, detail, owner, due_on
    FROM failing
    ON CONFLICT DO NOTHING
    RETURNING kind
), closed AS (
    UPDATE rectification_items i
    SET closed_on = current_date,
        closed_by = CASE i.kind WHEN 'water' THEN 'water check ' || %(rule_set)s
                                WHEN 'road' THEN 'road check ' || %(rule_set)s
                                WHEN 'housing' THEN 'house record' WHEN 'works' THEN 'works record'
                                ELSE 'asset record' END
    WHERE i.closed_on IS NULL
      AND NOT EXISTS (SELECT 1 FROM failing f WHERE f.kind = i.kind AND f.subject_id = i.subject_id)
      AND (i.kind IN ('housing', 'asset', 'works')
           OR (i.kind = 'water' AND (SELECT ran FROM water_ran))
           OR (i.kind = 'road' AND (SELECT ran FROM road_ran)))
    RETURNING i.kind
)
SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM closed) AS closed;
