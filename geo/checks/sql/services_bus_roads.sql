-- Roads a bus runs on (roads.bus), metric, as hex WKB.
SELECT id, encode(ST_AsBinary(geom_m), 'hex') AS wkb FROM roads WHERE bus ORDER BY id
