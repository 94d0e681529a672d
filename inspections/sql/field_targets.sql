-- Every inspection target the offline field app may show in a scope: its village (from its record, else the village
-- polygon it lies in, as target.sql decides for a submission) and the point the app measures distance to.
-- Targets without a village code (roads) are taken where they touch the box of the scope's villages; the caller
-- keeps those its inspector covers. Parameters: prefix (significant digits of the scope code).
WITH mine AS (
    SELECT ST_SetSRID(ST_Extent(geom), 4490) AS box
    FROM admin_units WHERE level = 'village' AND code LIKE %(prefix)s || '%%')
SELECT t.target_kind, t.target_id, t.label,
       coalesce(t.village_code,
                (SELECT a.code FROM admin_units a WHERE a.level = 'village' AND ST_Intersects(a.geom, t.geom) LIMIT 1))
           AS village_code,
       ST_X(ST_PointOnSurface(t.geom)) AS lon, ST_Y(ST_PointOnSurface(t.geom)) AS lat
FROM inspection_targets t, mine
WHERE t.village_code LIKE %(prefix)s || '%%'
   OR (t.village_code IS NULL AND (mine.box IS NULL OR t.geom && mine.box))
ORDER BY t.target_kind, t.target_id
