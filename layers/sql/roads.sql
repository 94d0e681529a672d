-- Road segments in scope (those crossing the township or village polygon), simplified, at most cap + 1.
SELECT r.id, r.name, r.surface, r.class, r.hardened, r.all_season, r.bus,
       ST_AsBinary(ST_SimplifyPreserveTopology(r.geom, %(tol)s)) AS geom
FROM roads r
WHERE (%(township)s::text IS NULL AND %(village)s::text IS NULL)
   OR EXISTS (SELECT 1 FROM admin_units a
              WHERE a.code = coalesce(%(village)s, %(township)s) AND a.geom && r.geom
                AND ST_Intersects(a.geom, r.geom))
ORDER BY r.hardened DESC, r.id
LIMIT %(cap)s + 1;
