-- The hardened road an explanation names, with its point nearest the village (metric frame).
SELECT id, name, surface, class, ST_X(p) AS x, ST_Y(p) AS y
FROM roads, LATERAL ST_ClosestPoint(geom_m, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), ST_SRID(geom_m))) p
WHERE id = %(id)s
