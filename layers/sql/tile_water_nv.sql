-- Vector tile of the natural villages with their water-fetch compliance under the rule set: subjects checked,
-- failing, and the compliant share. Selected by web_x/web_y (migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), nvs AS (
    SELECT nv.id, nv.name, nv.web_x, nv.web_y, v.name AS village_name
    FROM natural_villages nv
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), w AS (   -- one scan for all the villages (= ANY), so the policy is checked against one hashed list
    SELECT r.natural_village_id AS id, count(*) AS n, count(*) FILTER (WHERE r.compliant IS FALSE) AS fail_n,
           coalesce(sum(r.people) FILTER (WHERE r.compliant IS FALSE), 0) AS fail_people,
           round(count(*) FILTER (WHERE r.compliant)::numeric / nullif(count(*), 0), 3)::float8 AS share_ok
    FROM water_results r
    LEFT JOIN households h ON %(category)s::text IS NOT NULL AND r.subject = 'household' AND h.id = r.subject_id
    WHERE r.natural_village_id = ANY (ARRAY(SELECT id FROM nvs)) AND r.rule_set = %(rule_set)s
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
    GROUP BY r.natural_village_id
), f AS (
    SELECT nvs.id, nvs.name, nvs.village_name, w.n, w.fail_n, w.fail_people, w.share_ok,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nvs.web_x + %(dx)s, nvs.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM nvs JOIN w USING (id) CROSS JOIN t
)
SELECT coalesce((SELECT ST_AsMVT(f, 'water_nv', %(extent)s, 'geom') FROM f), '');
