-- Water-fetch compliance per natural village: subjects checked, failing, and the compliant share of people.
SELECT nv.id, nv.name, a.village_name,
       count(*) AS n, count(*) FILTER (WHERE r.compliant IS FALSE) AS fail_n,
       coalesce(sum(r.people) FILTER (WHERE r.compliant IS FALSE), 0) AS fail_people,
       count(*) FILTER (WHERE r.compliant)::float / nullif(count(*), 0) AS share_ok,
       ST_X(nv.geom) AS lon, ST_Y(nv.geom) AS lat
FROM water_results r
LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
JOIN natural_villages nv ON nv.id = coalesce(r.natural_village_id, h.natural_village_id,
                                              CASE WHEN r.subject = 'natural_village' THEN r.subject_id END)
JOIN nv_admin a ON a.natural_village_id = nv.id
WHERE r.rule_set = %(rule_set)s
  AND (%(category)s::text IS NULL OR h.category = %(category)s)
  AND (%(township)s::text IS NULL OR a.township_code = %(township)s)
  AND (%(village)s::text IS NULL OR a.village_code = %(village)s)
GROUP BY nv.id, nv.name, a.village_name, nv.geom;
