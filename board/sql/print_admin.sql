-- The township and its villages in the metric frame, for the printed map.
SELECT a.code, a.level, a.name, ST_AsBinary(a.geom_m) AS geom
FROM admin_units a
LEFT JOIN village_admin va ON va.village_code = a.code
WHERE a.geom_m IS NOT NULL AND (a.code = %(township)s OR va.township_code = %(township)s);
