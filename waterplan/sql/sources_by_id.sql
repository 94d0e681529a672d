-- Water sources by id, with their state before the scenario.
SELECT id, name, kind, status, capacity_m3_per_day, people_served, piped_to_home
FROM water_sources WHERE id = ANY(%(ids)s::text[]) ORDER BY id
