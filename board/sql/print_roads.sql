-- Roads crossing the township, metric frame, simplified to the print's detail (metres).
SELECT r.hardened, r.class, ST_AsBinary(ST_Simplify(r.geom_m, 5)) AS geom
FROM roads r
JOIN admin_units a ON a.code = %(township)s AND a.geom_m && r.geom_m AND ST_Intersects(a.geom_m, r.geom_m);
