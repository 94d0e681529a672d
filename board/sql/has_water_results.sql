-- Whether the water check has results for the rule set.
SELECT EXISTS (SELECT 1 FROM water_results WHERE rule_set = %(rule_set)s);
