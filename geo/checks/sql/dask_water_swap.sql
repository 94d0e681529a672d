-- A complete distributed run's water results from staging into water_results (the rule set's old rows are gone by
-- then, in the same transaction).
INSERT INTO water_results (rule_set, rule_version, computed_at, subject, subject_id, natural_village_id, people,
                           source_id, horizontal_m, vertical_m, round_trip_min, distance_basis, horizontal_ok,
                           vertical_ok, time_ok, piped, compliant, failed_clauses)
SELECT rule_set, rule_version, computed_at, subject, subject_id, natural_village_id, people, source_id, horizontal_m,
       vertical_m, round_trip_min, distance_basis, horizontal_ok, vertical_ok, time_ok, piped, compliant,
       failed_clauses
FROM water_results_staging
WHERE run_id = %(run_id)s
