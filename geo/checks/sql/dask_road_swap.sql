-- A complete distributed run's road results from staging into road_results (the rule set's old rows are gone by
-- then, in the same transaction).
INSERT INTO road_results (rule_set, rule_version, computed_at, natural_village_id, households, road_id,
                          road_distance_m, has_hardened_road, required, gap, connected_to_seat, network_km_to_seat,
                          population, all_season_road_m, within_rai)
SELECT rule_set, rule_version, computed_at, natural_village_id, households, road_id, road_distance_m,
       has_hardened_road, required, gap, connected_to_seat, network_km_to_seat, population, all_season_road_m,
       within_rai
FROM road_results_staging
WHERE run_id = %(run_id)s
