-- Vector tile of the natural villages with the road check's result under the rule set: their state ('gap': required
-- and without a hardened road, 'ok': with one, 'not_required'), whether that road reaches the seat, the distances.
-- Selected by web_x/web_y (migration 600).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
           ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s) AS box
), b AS (
    SELECT env, ST_XMin(box) - %(dx)s AS x0, ST_YMin(box) - %(dy)s AS y0,
           ST_XMax(box) - %(dx)s AS x1, ST_YMax(box) - %(dy)s AS y1 FROM t
), f AS (
    SELECT nv.id, nv.name, nv.households, v.name AS village_name, rr.road_id, rr.road_distance_m,
           rr.has_hardened_road, rr.required, rr.gap, rr.connected_to_seat, rr.network_km_to_seat,
           CASE WHEN rr.gap THEN 'gap' WHEN rr.has_hardened_road THEN 'ok' ELSE 'not_required' END AS state,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nv.web_x + %(dx)s, nv.web_y + %(dy)s), 3857), b.env, %(extent)s, %(buffer)s, false) AS geom
    FROM b
    JOIN natural_villages nv ON nv.web_x BETWEEN b.x0 AND b.x1 AND nv.web_y BETWEEN b.y0 AND b.y1
    JOIN road_results rr ON rr.natural_village_id = nv.id AND rr.rule_set = %(rule_set)s
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(f, 'nv_roads', %(extent)s, 'geom') FROM f), '');
