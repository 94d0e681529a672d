-- Whether any household is loaded: then they are the water check's subjects, else the natural villages are.
SELECT EXISTS (SELECT 1 FROM households)
