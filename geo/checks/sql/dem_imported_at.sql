-- When the DEM was imported (NULL: none is loaded); the terrain decoded from it is kept until this changes.
SELECT imported_at FROM dem WHERE id = 1
