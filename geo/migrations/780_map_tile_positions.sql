-- Web Mercator positions (EPSG:3857 metres) of the point layers the map serves as vector tiles, with a btree index.
-- A tile query runs as the signed-in user under row-level security, and PostgreSQL evaluates a policy before any
-- condition whose operator is not leakproof: PostGIS's && is not, so `geom && tile` could never use the GiST
-- index (every tile read the whole table). Plain float comparisons are leakproof, so `web_x BETWEEN … AND web_y
-- BETWEEN …` uses the index before the policy, and the tile draws the point from these numbers without transforming.
-- Spherical Mercator of a CGCS2000 longitude and latitude (within centimetres of WGS84 at map scale).
ALTER TABLE households
    ADD COLUMN web_x double precision GENERATED ALWAYS AS (6378137 * radians(ST_X(geom))) STORED,
    ADD COLUMN web_y double precision GENERATED ALWAYS AS (6378137 * ln(tan(pi() / 4 + radians(ST_Y(geom)) / 2))) STORED;
ALTER TABLE natural_villages
    ADD COLUMN web_x double precision GENERATED ALWAYS AS (6378137 * radians(ST_X(geom))) STORED,
    ADD COLUMN web_y double precision GENERATED ALWAYS AS (6378137 * ln(tan(pi() / 4 + radians(ST_Y(geom)) / 2))) STORED;
ALTER TABLE water_sources
    ADD COLUMN web_x double precision GENERATED ALWAYS AS (6378137 * radians(ST_X(geom))) STORED,
    ADD COLUMN web_y double precision GENERATED ALWAYS AS (6378137 * ln(tan(pi() / 4 + radians(ST_Y(geom)) / 2))) STORED;
CREATE INDEX households_web ON households (web_x, web_y);
-- Below the detail zoom a tile counts the households of its natural villages: with the category in the index those
-- counts (and the policy, which reads natural_village_id) come from the index alone.
DROP INDEX households_natural_village;
CREATE INDEX households_natural_village ON households (natural_village_id, category);
CREATE INDEX natural_villages_web ON natural_villages (web_x, web_y);
CREATE INDEX water_sources_web ON water_sources (web_x, web_y);

-- households_v and the masked role's column grants follow the table's columns (510_row_security.sql).
SELECT acct_households_view();
