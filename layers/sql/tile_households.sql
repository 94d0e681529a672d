-- Vector tile of every household (from the detail zoom): what colours it (category, monitored state, water
-- compliance under the rule set and the failing clauses) and its popup; below the detail zoom the households counted
-- per natural village, with the compliant share. Points are selected by their Web Mercator numbers (web_x, web_y:
-- plain comparisons, which row-level security lets use the index; see migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), fine AS (
    SELECT h.id, h.head_name, h.category, h.monitor_state, h.members, nv.name AS nv_name,
           r.compliant, array_to_string(r.failed_clauses, ';') AS clauses,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(h.web_x + %(dx)s, h.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM t
    JOIN households h ON h.web_x BETWEEN %(x0)s AND %(x1)s AND h.web_y BETWEEN %(y0)s AND %(y1)s
    JOIN natural_villages nv ON nv.id = h.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    LEFT JOIN water_results r ON r.subject = 'household' AND r.subject_id = h.id AND r.rule_set = %(rule_set)s
    WHERE %(z)s >= %(detail)s
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), nvs AS (   -- below the detail zoom: the natural villages drawn, then their households and results counted
    SELECT nv.id, nv.name, nv.web_x, nv.web_y, v.name AS village_name
    FROM natural_villages nv
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE %(z)s < %(detail)s
      AND nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
), c AS (   -- joined and grouped rather than counted per village: the planner then checks the households' policy
            -- once per row against one hashed list of villages, not by an index lookup per row
    SELECT h.natural_village_id AS id, count(*) AS n,
           count(*) FILTER (WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')) AS monitored
    FROM households h
    WHERE h.natural_village_id = ANY (ARRAY(SELECT id FROM nvs))
      AND (%(category)s::text IS NULL OR h.category = %(category)s)
    GROUP BY h.natural_village_id
), w AS (
    SELECT r.natural_village_id AS id, count(*) FILTER (WHERE r.compliant IS FALSE) AS fail_n,
           round(count(*) FILTER (WHERE r.compliant)::numeric / nullif(count(*), 0), 3)::float8 AS share_ok
    FROM water_results r
    WHERE r.natural_village_id = ANY (ARRAY(SELECT id FROM nvs)) AND r.rule_set = %(rule_set)s
    GROUP BY r.natural_village_id
), coarse AS (
    SELECT nvs.id, nvs.name, nvs.village_name, c.n, c.monitored, w.fail_n, w.share_ok,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nvs.web_x + %(dx)s, nvs.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM nvs JOIN c USING (id) LEFT JOIN w USING (id) CROSS JOIN t
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'households', %(extent)s, 'geom') FROM fine), '')
       || coalesce((SELECT ST_AsMVT(coarse, 'households', %(extent)s, 'geom') FROM coarse), '');
