-- Bring the rectification list (整改清单) up to date with the records and the latest check results, set-based:
-- open an item for every failing subject that has none open, close every open item whose problem is gone.
-- A kind whose check has no results for the rule set is left as it is (an empty results table resolves nothing).
-- Parameters: rule_set, water_days, road_days, housing_days, asset_days.
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
), opened AS (
    INSERT INTO rectification_items (kind, source, subject_id, village_code, problem, detail, owner, due_on)
    SELECT kind, CASE WHEN kind IN ('housing', 'asset') THEN 'record' ELSE 'check' END, subject_id, village_code,
           problem, detail, owner, due_on
    FROM failing
    ON CONFLICT DO NOTHING
    RETURNING kind
), closed AS (
    UPDATE rectification_items i
    SET closed_on = current_date,
        closed_by = CASE i.kind WHEN 'water' THEN 'water check ' || %(rule_set)s
                                WHEN 'road' THEN 'road check ' || %(rule_set)s
                                WHEN 'housing' THEN 'house record' ELSE 'asset record' END
    WHERE i.closed_on IS NULL
      AND NOT EXISTS (SELECT 1 FROM failing f WHERE f.kind = i.kind AND f.subject_id = i.subject_id)
      AND (i.kind IN ('housing', 'asset')
           OR (i.kind = 'water' AND (SELECT ran FROM water_ran))
           OR (i.kind = 'road' AND (SELECT ran FROM road_ran)))
    RETURNING i.kind
)
SELECT (SELECT count(*) FROM opened) AS opened, (SELECT count(*) FROM closed) AS closed;
