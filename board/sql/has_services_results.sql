-- Whether the services check has results for the rule set.
SELECT EXISTS (SELECT 1 FROM services_results WHERE rule_set = %(rule_set)s);
