-- Vector tile of every household (from the detail zoom): what colours it (category, monitored state, water
-- compliance under the rule set and the failing clauses) and its popup; below the detail zoom the households counted
-- per natural village, with the compliant share. Points are selected by their Web Mercator numbers (web_x, web_y:
-- plain comparisons, which row-level security lets use the index; see migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS box
), b AS (
    SELECT env, ST_XMin(box) - %(dx)s AS x0, ST_YMin(box) - %(dy)s AS y0,
           ST_XMax(box) - %(dx)s AS x1, ST_YMax(box) - %(dy)s AS y1 FROM t
), fine AS (
    SELECT h.id, h.head_name, h.category, h.monitor_state, h.members, nv.name AS nv_name,
           r.compliant, array_to_string(r.failed_clauses, ';') AS clauses,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(h.web_x + %(dx)s, h.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM b
    JOIN households h ON h.web_x BETWEEN b.x0 AND b.x1 AND h.web_y BETWEEN b.y0 AND b.y1
    JOIN natural_villages nv ON nv.id = h.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    LEFT JOIN water_results r ON r.subject = 'household' AND r.subject_id = h.id AND r.rule_set = %(rule_set)s
    WHERE %(z)s >= %(detail)s
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), coarse AS (
    SELECT nv.id, nv.name, v.name AS village_name, c.n, c.monitored, w.fail_n, w.share_ok,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nv.web_x + %(dx)s, nv.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM b
    JOIN natural_villages nv ON nv.web_x BETWEEN b.x0 AND b.x1 AND nv.web_y BETWEEN b.y0 AND b.y1
    LEFT JOIN admin_units v ON v.code = nv.village_code
    CROSS JOIN LATERAL (
        SELECT count(*) AS n,
               count(*) FILTER (WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')) AS monitored
        FROM households h
        WHERE h.natural_village_id = nv.id AND (%(category)s::text IS NULL OR h.category = %(category)s)) c
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE r.compliant IS FALSE) AS fail_n,
               count(*) FILTER (WHERE r.compliant)::float8 / nullif(count(*), 0) AS share_ok
        FROM water_results r
        WHERE r.natural_village_id = nv.id AND r.rule_set = %(rule_set)s) w ON true
    WHERE %(z)s < %(detail)s AND c.n > 0
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'households', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'households', %(extent)s, 'geom') FROM coarse), '');
