-- Roads merged per surface and class into few multi-lines (drawn instead of segments when there are too many).
SELECT r.surface, r.class, bool_or(r.hardened) AS hardened, count(*) AS n,
       round(sum(ST_Length(r.geom_m))::numeric / 1000, 1) AS km,
       ST_AsBinary(ST_SimplifyPreserveTopology(ST_LineMerge(ST_Collect(r.geom)), %(tol)s * 2)) AS geom
FROM roads r
WHERE (%(township)s::text IS NULL AND %(village)s::text IS NULL)
   OR EXISTS (SELECT 1 FROM admin_units a
              WHERE a.code = coalesce(%(village)s, %(township)s) AND a.geom && r.geom
                AND ST_Intersects(a.geom, r.geom))
GROUP BY r.surface, r.class;
