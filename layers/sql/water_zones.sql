-- Protection zones of the sources in scope, simplified.
SELECT w.id, w.name, w.status,
       ST_AsBinary(ST_SimplifyPreserveTopology(w.protection_zone, %(tol)s)) AS geom
FROM water_sources w
LEFT JOIN village_admin va ON va.village_code = w.village_code
WHERE w.protection_zone IS NOT NULL
  AND (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR w.village_code = %(village)s)
LIMIT %(cap)s + 1;
