-- Assets in scope by type and maintenance state; unregistered = accepted more than 3 months ago, not registered.
SELECT s.id, s.name, s.type, s.category, s.value_yuan, s.accepted_on, s.registered_on, s.owner, s.custodian,
       s.maintenance_state, va.village_name,
       (s.registered_on IS NULL AND s.accepted_on IS NOT NULL
        AND s.accepted_on + interval '3 months' < current_date) AS unregistered,
       ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat
FROM assets s
LEFT JOIN village_admin va ON va.village_code = s.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR s.village_code = %(village)s)
ORDER BY s.id
LIMIT %(cap)s + 1;
