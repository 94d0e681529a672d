-- Facilities for the services check, metric coordinates.
SELECT id, kind, village_code, coalesce(qualified_doctors, 0) AS qualified_doctors,
       ST_X(geom_m) AS x, ST_Y(geom_m) AS y
FROM facilities
ORDER BY id
