-- Vector tile of the natural villages with their water-fetch compliance under the rule set: subjects checked,
-- failing, and the compliant share. Selected by web_x/web_y (migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS box
), b AS (
    SELECT env, ST_XMin(box) - %(dx)s AS x0, ST_YMin(box) - %(dy)s AS y0,
           ST_XMax(box) - %(dx)s AS x1, ST_YMax(box) - %(dy)s AS y1 FROM t
), f AS (
    SELECT nv.id, nv.name, v.name AS village_name, w.n, w.fail_n, w.fail_people, w.share_ok,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nv.web_x + %(dx)s, nv.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM b
    JOIN natural_villages nv ON nv.web_x BETWEEN b.x0 AND b.x1 AND nv.web_y BETWEEN b.y0 AND b.y1
    LEFT JOIN admin_units v ON v.code = nv.village_code
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, count(*) FILTER (WHERE r.compliant IS FALSE) AS fail_n,
               coalesce(sum(r.people) FILTER (WHERE r.compliant IS FALSE), 0) AS fail_people,
               count(*) FILTER (WHERE r.compliant)::float8 / nullif(count(*), 0) AS share_ok
        FROM water_results r
        LEFT JOIN households h ON r.subject = 'household' AND h.id = r.subject_id
        WHERE r.natural_village_id = nv.id AND r.rule_set = %(rule_set)s
          AND (%(category)s::text IS NULL OR h.category = %(category)s)) w
    WHERE w.n > 0
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(f, 'water_nv', %(extent)s, 'geom') FROM f), '');
