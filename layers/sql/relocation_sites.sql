-- Relocation sites in scope with occupancy, facilities and how many relocated households have no worker employed.
SELECT s.id, s.name, s.capacity_households, s.relocated_households, s.facilities, va.village_name,
       s.relocated_households::float / nullif(s.capacity_households, 0) AS occupancy,
       (SELECT count(*) FROM relocated_households rh
        WHERE rh.site_id = s.id AND rh.workers_employed = 0) AS without_worker,
       ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat
FROM relocation_sites s
LEFT JOIN village_admin va ON va.village_code = s.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR s.village_code = %(village)s)
ORDER BY s.id
LIMIT %(cap)s + 1;
