-- The outlines of a scope for the field app's small offline map, as GeoJSON geometries: its villages (simplified),
-- the roads that touch them merged into one line set per surface, and its natural villages as named points.
-- Parameters: prefix (significant digits of the scope code), tol (simplification, degrees), decimals.
WITH villages AS (
    SELECT code, name, geom FROM admin_units WHERE level = 'village' AND code LIKE %(prefix)s || '%%'),
hamlets AS (
    SELECT id, name, geom FROM natural_villages WHERE village_code LIKE %(prefix)s || '%%'),
area AS (
    SELECT ST_SetSRID(ST_Extent(g), 4490) AS box
    FROM (SELECT geom AS g FROM villages UNION ALL SELECT geom FROM hamlets) x)
SELECT 'village' AS layer, code::text AS id, name, NULL::text AS surface,
       ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, %(tol)s), %(decimals)s) AS geometry
FROM villages
UNION ALL
SELECT 'road', r.surface, NULL, r.surface,
       ST_AsGeoJSON(ST_Simplify(ST_LineMerge(ST_Collect(r.geom)), %(tol)s), %(decimals)s)
FROM roads r, area WHERE ST_Intersects(r.geom, area.box)
GROUP BY r.surface
UNION ALL
SELECT 'natural_village', id, name, NULL, ST_AsGeoJSON(geom, %(decimals)s)
FROM hamlets
