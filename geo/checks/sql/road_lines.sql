-- Hardened or all-season roads for the road check, as little-endian WKB in the metric frame, with which of the two
-- each is. An all-season road: marked all_season, or hardened with all_season not recorded.
SELECT id, hardened, coalesce(all_season, hardened) AS all_season, ST_AsBinary(geom_m, 'NDR') AS wkb
FROM roads
WHERE hardened OR coalesce(all_season, hardened)
ORDER BY id
