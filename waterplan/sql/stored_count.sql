-- How many stored water results %(label)s has.
SELECT count(*) AS n FROM water_results WHERE rule_set = %(label)s
