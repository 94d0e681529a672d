-- Whether the road check has results for the rule set.
SELECT EXISTS (SELECT 1 FROM road_results WHERE rule_set = %(rule_set)s);
