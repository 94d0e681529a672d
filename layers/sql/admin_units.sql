-- Township and village boundaries in the filter's scope, simplified for the map.
SELECT a.code, a.level, a.name, a.population,
       ST_AsBinary(ST_SimplifyPreserveTopology(a.geom, %(tol)s)) AS geom
FROM admin_units a
LEFT JOIN village_admin va ON va.village_code = a.code
WHERE a.geom IS NOT NULL
  AND a.level IN ('county', 'township', 'village')
  AND (%(township)s::text IS NULL OR a.code = %(township)s OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.code = %(village)s)
ORDER BY a.level DESC;
