-- Water works with open operating problems in the ledger (kind 'works': disinfection, fees, samples, complaints),
-- one row per works with its problems, for the water layer's marks.
WITH open AS (
    SELECT split_part(i.subject_id, ':', 1) AS subject, i.problem
    FROM rectification_items i WHERE i.kind = 'works' AND i.closed_on IS NULL
), per AS (
    SELECT coalesce(c.source_id, o.subject) AS source_id, o.problem
    FROM open o LEFT JOIN works_complaints c ON o.subject = 'C' || c.id
)
SELECT w.id, w.name, va.village_name, array_agg(DISTINCT per.problem ORDER BY per.problem) AS problems,
       ST_X(w.geom) AS lon, ST_Y(w.geom) AS lat
FROM per
JOIN water_sources w ON w.id = per.source_id
LEFT JOIN village_admin va ON va.village_code = w.village_code
WHERE (%(township)s::text IS NULL OR va.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR w.village_code = %(village)s)
GROUP BY w.id, w.name, va.village_name, w.geom
ORDER BY w.id
LIMIT %(cap)s + 1;
