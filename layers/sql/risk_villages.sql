-- Per administrative village: people, monitored households and people (open cases), and the share of population
-- monitored.
WITH hh AS (
    SELECT a.village_code,
           sum(h.members) AS people,
           count(m.case_id) AS mon_hh,
           coalesce(sum(h.members) FILTER (WHERE m.case_id IS NOT NULL), 0) AS mon_people
    FROM households h
    JOIN nv_admin a ON a.natural_village_id = h.natural_village_id
    LEFT JOIN monitored_households m ON m.household_id = h.id
    GROUP BY a.village_code
)
SELECT v.code, v.name, va.township_name,
       coalesce(v.population, hh.people) AS population,
       coalesce(hh.mon_hh, 0) AS mon_hh, coalesce(hh.mon_people, 0) AS mon_people,
       hh.mon_people::float / nullif(coalesce(v.population, hh.people), 0) AS share,
       ST_AsBinary(ST_SimplifyPreserveTopology(v.geom, %(tol)s)) AS geom
FROM admin_units v
JOIN village_admin va ON va.village_code = v.code
LEFT JOIN hh ON hh.village_code = v.code
WHERE v.geom IS NOT NULL
  AND (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR v.code = %(village)s);
