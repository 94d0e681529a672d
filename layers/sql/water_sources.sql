-- Water sources in scope by kind and status, with how many checked subjects each serves under the rule set.
SELECT w.id, w.name, w.kind, w.status, w.capacity_m3_per_day, w.people_served, w.piped_to_home, w.disinfection,
       w.water_manager, va.village_name,
       ST_X(w.geom) AS lon, ST_Y(w.geom) AS lat
FROM water_sources w
LEFT JOIN village_admin va ON va.village_code = w.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR w.village_code = %(village)s)
ORDER BY w.id
LIMIT %(cap)s + 1;
