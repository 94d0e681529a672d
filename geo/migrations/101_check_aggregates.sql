-- Aggregates of the spatial checks per natural village, administrative village and township (views: they follow
-- the results tables at once, so a recomputed household shows in every aggregate without another step), and three
-- more road_results columns for the Rural Access Index analogue.

ALTER TABLE road_results
    ADD COLUMN population        integer,
    ADD COLUMN all_season_road_m double precision,  -- straight distance to the nearest all-season road
    ADD COLUMN within_rai        boolean;           -- all_season_road_m <= the rule set's rai_distance_m

-- One row per result with the households and people it stands for (a natural-village row stands for all of its
-- households) and the codes it rolls up to: village = natural_villages.village_code, township = its first 9 digits.
CREATE VIEW water_results_rollup AS
SELECT r.rule_set, r.rule_version, r.compliant, r.natural_village_id,
       CASE WHEN r.subject = 'household' THEN 1 ELSE coalesce(n.households, 0) END AS households,
       coalesce(r.people, 0) AS people,
       n.village_code,
       CASE WHEN n.village_code IS NULL THEN NULL ELSE substr(n.village_code, 1, 9) || '000' END AS township_code
FROM water_results r
LEFT JOIN natural_villages n ON n.id = r.natural_village_id;

CREATE VIEW water_compliance_natural_village AS
SELECT w.rule_set, w.natural_village_id, n.name, w.village_code, w.township_code,
       coalesce(sum(w.households) FILTER (WHERE compliant), 0) AS households_compliant,
       coalesce(sum(w.households) FILTER (WHERE NOT compliant), 0) AS households_non_compliant,
       coalesce(sum(w.households) FILTER (WHERE compliant IS NULL), 0) AS households_unknown,
       coalesce(sum(w.people) FILTER (WHERE compliant), 0) AS people_compliant,
       coalesce(sum(w.people) FILTER (WHERE NOT compliant), 0) AS people_non_compliant,
       coalesce(sum(w.people) FILTER (WHERE compliant IS NULL), 0) AS people_unknown
FROM water_results_rollup w
LEFT JOIN natural_villages n ON n.id = w.natural_village_id
GROUP BY w.rule_set, w.natural_village_id, n.name, w.village_code, w.township_code;

CREATE VIEW water_compliance_village AS
SELECT w.rule_set, w.village_code, a.name,
       count(DISTINCT w.natural_village_id)              AS natural_villages,
       coalesce(sum(w.households) FILTER (WHERE compliant), 0) AS households_compliant,
       coalesce(sum(w.households) FILTER (WHERE NOT compliant), 0) AS households_non_compliant,
       coalesce(sum(w.households) FILTER (WHERE compliant IS NULL), 0) AS households_unknown,
       coalesce(sum(w.people) FILTER (WHERE compliant), 0) AS people_compliant,
       coalesce(sum(w.people) FILTER (WHERE NOT compliant), 0) AS people_non_compliant,
       coalesce(sum(w.people) FILTER (WHERE compliant IS NULL), 0) AS people_unknown
FROM water_results_rollup w
LEFT JOIN admin_units a ON a.code = w.village_code
GROUP BY w.rule_set, w.village_code, a.name;

CREATE VIEW water_compliance_township AS
SELECT w.rule_set, w.township_code, a.name,
       count(DISTINCT w.natural_village_id)              AS natural_villages,
       coalesce(sum(w.households) FILTER (WHERE compliant), 0) AS households_compliant,
       coalesce(sum(w.households) FILTER (WHERE NOT compliant), 0) AS households_non_compliant,
       coalesce(sum(w.households) FILTER (WHERE compliant IS NULL), 0) AS households_unknown,
       coalesce(sum(w.people) FILTER (WHERE compliant), 0) AS people_compliant,
       coalesce(sum(w.people) FILTER (WHERE NOT compliant), 0) AS people_non_compliant,
       coalesce(sum(w.people) FILTER (WHERE compliant IS NULL), 0) AS people_unknown
FROM water_results_rollup w
LEFT JOIN admin_units a ON a.code = w.township_code
GROUP BY w.rule_set, w.township_code, a.name;

CREATE VIEW road_coverage_rollup AS
SELECT r.*, n.village_code,
       CASE WHEN n.village_code IS NULL THEN NULL ELSE substr(n.village_code, 1, 9) || '000' END AS township_code
FROM road_results r
LEFT JOIN natural_villages n ON n.id = r.natural_village_id;

-- share_with_hardened_road: natural villages with a hardened road within road_access_m, over all natural villages;
-- connected_to_seat: villages with a hardened road that links them to their township seat;
-- rai: people within rai_distance_m of an all-season road over all people (Rural Access Index analogue).
CREATE VIEW road_coverage_village AS
SELECT r.rule_set, r.village_code, a.name,
       count(*)                                               AS natural_villages,
       count(*) FILTER (WHERE has_hardened_road)              AS with_hardened_road,
       round(count(*) FILTER (WHERE has_hardened_road)::numeric / nullif(count(*), 0), 4) AS share_with_hardened_road,
       count(*) FILTER (WHERE required)                       AS required,
       count(*) FILTER (WHERE gap)                            AS gaps,
       count(*) FILTER (WHERE has_hardened_road AND connected_to_seat) AS connected_to_seat,
       sum(r.population)                                      AS population,
       sum(r.population) FILTER (WHERE within_rai)            AS population_within_rai,
       round(coalesce(sum(r.population) FILTER (WHERE within_rai), 0)::numeric
             / nullif(sum(r.population), 0), 4)               AS rai
FROM road_coverage_rollup r
LEFT JOIN admin_units a ON a.code = r.village_code
GROUP BY r.rule_set, r.village_code, a.name;

CREATE VIEW road_coverage_township AS
SELECT r.rule_set, r.township_code, a.name,
       count(*)                                               AS natural_villages,
       count(*) FILTER (WHERE has_hardened_road)              AS with_hardened_road,
       round(count(*) FILTER (WHERE has_hardened_road)::numeric / nullif(count(*), 0), 4) AS share_with_hardened_road,
       count(*) FILTER (WHERE required)                       AS required,
       count(*) FILTER (WHERE gap)                            AS gaps,
       count(*) FILTER (WHERE has_hardened_road AND connected_to_seat) AS connected_to_seat,
       sum(r.population)                                      AS population,
       sum(r.population) FILTER (WHERE within_rai)            AS population_within_rai,
       round(coalesce(sum(r.population) FILTER (WHERE within_rai), 0)::numeric
             / nullif(sum(r.population), 0), 4)               AS rai
FROM road_coverage_rollup r
LEFT JOIN admin_units a ON a.code = r.township_code
GROUP BY r.rule_set, r.township_code, a.name;

-- When a source comes back, households not compliant whose named source is farther than it are recomputed; this
-- index answers "how far is the farthest of them" without reading every result.
CREATE INDEX water_results_open ON water_results (rule_set, horizontal_m) WHERE compliant IS NOT TRUE;
