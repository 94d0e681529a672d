-- Find places and records by name (substring) or code/id (exact or prefix): administrative units, natural
-- villages, households, water sources, relocation sites, assets. At most 20, exact matches first.
SELECT * FROM (
    SELECT 'admin' AS kind, rtrim(code) AS id, name, ST_X(ST_PointOnSurface(geom)) AS lon,
           ST_Y(ST_PointOnSurface(geom)) AS lat, (rtrim(code) = %(q)s OR name = %(q)s) AS exact
    FROM admin_units WHERE geom IS NOT NULL AND (name LIKE %(like)s OR code LIKE %(prefix)s)
    UNION ALL
    SELECT 'natural_village', id, name, ST_X(geom), ST_Y(geom), (id = %(q)s OR name = %(q)s)
    FROM natural_villages WHERE name LIKE %(like)s OR id = %(q)s
    UNION ALL
    SELECT 'household', id, coalesce(head_name, id), ST_X(geom), ST_Y(geom), (id = %(q)s)
    FROM households WHERE id = %(q)s OR head_name = %(q)s
    UNION ALL
    SELECT 'water_source', id, coalesce(name, id), ST_X(geom), ST_Y(geom), (id = %(q)s OR name = %(q)s)
    FROM water_sources WHERE name LIKE %(like)s OR id = %(q)s
    UNION ALL
    SELECT 'relocation_site', id, coalesce(name, id), ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)),
           (id = %(q)s OR name = %(q)s)
    FROM relocation_sites WHERE name LIKE %(like)s OR id = %(q)s
    UNION ALL
    SELECT 'asset', id, coalesce(name, id), ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)),
           (id = %(q)s OR name = %(q)s)
    FROM assets WHERE name LIKE %(like)s OR id = %(q)s
) hits
ORDER BY exact DESC, kind, name
LIMIT 20;
