-- Water sources for the scenario form: largest capacity first.
SELECT id, name, kind, status, capacity_m3_per_day, people_served
FROM water_sources ORDER BY capacity_m3_per_day DESC NULLS LAST, id
