-- Vector tile of the natural villages with the road check's result under the rule set: their state ('gap': required
-- and without a hardened road, 'ok': with one, 'not_required'), whether that road reaches the seat, and from the
-- detail zoom the road and the distances. Selected by web_x/web_y (migration 780).
WITH t AS (
    SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env
), f AS (
    SELECT nv.id, nv.name, nv.households, v.name AS village_name, rr.gap, rr.connected_to_seat,
           CASE WHEN %(z)s >= %(detail)s THEN rr.road_id END AS road_id,
           CASE WHEN %(z)s >= %(detail)s THEN rr.road_distance_m END AS road_distance_m,
           CASE WHEN %(z)s >= %(detail)s THEN rr.has_hardened_road END AS has_hardened_road,
           CASE WHEN %(z)s >= %(detail)s THEN rr.required END AS required,
           CASE WHEN %(z)s >= %(detail)s THEN rr.network_km_to_seat END AS network_km_to_seat,
           CASE WHEN rr.gap THEN 'gap' WHEN rr.has_hardened_road THEN 'ok' ELSE 'not_required' END AS state,
           ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(nv.web_x + %(dx)s, nv.web_y + %(dy)s), 3857), t.env, %(extent)s, %(buffer)s, false) AS geom
    FROM t
    JOIN natural_villages nv ON nv.web_x BETWEEN %(x0)s AND %(x1)s AND nv.web_y BETWEEN %(y0)s AND %(y1)s
    JOIN road_results rr ON rr.natural_village_id = nv.id AND rr.rule_set = %(rule_set)s
    LEFT JOIN admin_units v ON v.code = nv.village_code
    WHERE (%(township)s::text IS NULL OR v.parent_code = %(township)s)
      AND (%(village)s::text IS NULL OR nv.village_code = %(village)s)
)
SELECT coalesce((SELECT ST_AsMVT(f, 'nv_roads', %(extent)s, 'geom') FROM f), '');
