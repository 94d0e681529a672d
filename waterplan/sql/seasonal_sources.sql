-- Sources that a dry season turns off.
SELECT id FROM water_sources WHERE status = 'seasonal' ORDER BY id
