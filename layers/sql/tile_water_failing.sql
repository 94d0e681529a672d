-- Vector tile of the households (and natural villages without households) failing the water-fetch rule under the
-- rule set, from the detail zoom, with what the check found. Subjects selected by web_x/web_y (migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), subjects AS (
    SELECT 'household' AS subject, h.id, h.head_name AS name, h.natural_village_id, h.category, h.web_x, h.web_y
    FROM t JOIN households h ON h.web_x BETWEEN %(x0)s AND %(x1)s AND h.web_y BETWEEN %(y0)s AND %(y1)s
    UNION ALL
    SELECT 'natural_village', nv.id, nv.name, nv.id, NULL, nv.web_x, nv.web_y
    FROM t JOIN natural_villages nv ON nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
), fine AS (
    SELECT s.id, s.name, nv.name AS nv_name, r.people, coalesce(w.name, r.source_id) AS source, r.horizontal_m,
           r.vertical_m, r.round_trip_min, r.distance_basis, r.piped, array_to_string(r.failed_clauses, ';') AS clauses,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(s.web_x + %(dx)s, s.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM subjects s
    JOIN water_results r ON r.subject = s.subject AND r.subject_id = s.id AND r.rule_set = %(rule_set)s
    JOIN natural_villages nv ON nv.id = s.natural_village_id
    LEFT JOIN admin_units v ON v.code = nv.village_code
    LEFT JOIN water_sources w ON w.id = r.source_id
    CROSS JOIN t
    WHERE %(z)s >= %(detail)s
      AND r.compliant IS FALSE
      AND (%(category)s::text IS NULL OR s.category = %(category)s)
      AND (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(fine, 'water_failing', %(extent)s, 'geom') FROM fine), '');
