-- Roads as metric LineStrings (hex WKB) for the network: all, hardened only, or all-season only, optionally in a
-- metric bbox.
-- An all-season road: marked all_season, or hardened with all_season not recorded.
SELECT id, encode(ST_AsBinary(geom_m), 'hex') AS wkb
FROM roads
WHERE (NOT %(hardened_only)s OR hardened)
  AND (NOT %(all_season_only)s OR coalesce(all_season, hardened))
  AND (NOT %(has_bbox)s OR geom_m && ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, %(srid)s))
ORDER BY id
