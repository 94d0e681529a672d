-- Village services' facilities in scope (a township health centre without a village shows with its township's).
SELECT f.id, f.name, f.kind, f.doctors, f.qualified_doctors, va.village_name,
       ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat
FROM facilities f
LEFT JOIN village_admin va ON va.village_code = f.village_code
WHERE (%(township)s::text IS NULL OR coalesce(va.township_code, '') = %(township)s OR f.village_code IS NULL)
  AND (%(village)s::text IS NULL OR f.village_code = %(village)s)
ORDER BY f.id
LIMIT %(cap)s + 1;
