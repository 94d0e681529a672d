-- The bounds to open the map on: the chosen village or township, else the county (admin units, else villages).
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT coalesce(
        (SELECT ST_Extent(a.geom) FROM admin_units a
         WHERE a.code = coalesce(%(village)s, %(township)s)),
        (SELECT ST_Extent(nv.geom) FROM natural_villages nv JOIN nv_admin na ON na.natural_village_id = nv.id
         WHERE (%(township)s::text IS NULL OR na.township_code = %(township)s)
           AND (%(village)s::text IS NULL OR na.village_code = %(village)s)),
        (SELECT ST_Extent(geom) FROM admin_units)) AS e) x;
