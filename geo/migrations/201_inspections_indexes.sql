-- The travel-speed flag looks up one inspector's checks by submission time, the repeated-position flag by exact
-- position (the ~= bounding-box equality uses the GiST index on geom).
CREATE INDEX inspections_inspector_submitted ON inspections (inspector_id, submitted_at);
DROP INDEX inspections_inspector;
