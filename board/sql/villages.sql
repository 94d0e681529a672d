-- Administrative villages of a township (all when none is given), in code order.
SELECT rtrim(village_code) AS code, village_name AS name FROM village_admin
WHERE %(township)s::text IS NULL OR township_code = %(township)s ORDER BY village_code;
