-- Staging for the checks run on Dask (geo/checks/distributed.py): each task writes its partition's results here by
-- COPY under the run's id; the driver moves a complete run into water_results / road_results in one transaction and
-- empties its rows. Unlogged: a crash loses only an unfinished run, whose results were never visible. Row-level
-- security on and nothing granted to the app roles: only the owner's jobs (the checks) read or write it.
CREATE UNLOGGED TABLE water_results_staging (LIKE water_results INCLUDING DEFAULTS);
ALTER TABLE water_results_staging ADD COLUMN run_id text NOT NULL, ADD COLUMN part integer NOT NULL;
CREATE INDEX water_results_staging_run ON water_results_staging (run_id, part);
ALTER TABLE water_results_staging ENABLE ROW LEVEL SECURITY;

CREATE UNLOGGED TABLE road_results_staging (LIKE road_results INCLUDING DEFAULTS);
ALTER TABLE road_results_staging ADD COLUMN run_id text NOT NULL, ADD COLUMN part integer NOT NULL;
CREATE INDEX road_results_staging_run ON road_results_staging (run_id, part);
ALTER TABLE road_results_staging ENABLE ROW LEVEL SECURITY;
