-- Running the water works (Long County 2021 tasks 24–27; Ankang 2020 annex 8): one water manager per village
-- (一村一名水管员) with training records, fees due and collected per works and year, water-quality samples sent to a
-- lab, and complaints answered and followed by a return visit (回访). The rules are rule-set settings
-- (geo/checks/rules.py); each failure is an item of the one ledger (board/sql/rectification_refresh.sql).
CREATE TABLE works_managers (
    id              bigserial PRIMARY KEY,
    village_code    char(12) NOT NULL,
    source_id       text REFERENCES water_sources (id) ON DELETE SET NULL,   -- the works they look after, if one
    name            text NOT NULL,
    phone           text,
    posted_publicly boolean NOT NULL DEFAULT false,   -- manager and service phone posted in the village (公示)
    appointed_on    date
);
CREATE INDEX works_managers_village ON works_managers (village_code);
CREATE TABLE works_trainings (
    id         bigserial PRIMARY KEY,
    manager_id bigint NOT NULL REFERENCES works_managers (id) ON DELETE CASCADE,
    held_on    date NOT NULL,
    level      text NOT NULL CHECK (level IN ('county', 'township')),
    topic      text
);
CREATE INDEX works_trainings_manager ON works_trainings (manager_id, held_on);
CREATE TABLE works_fees (
    source_id      text NOT NULL REFERENCES water_sources (id) ON DELETE CASCADE,
    year           integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    due_yuan       numeric(14, 2) NOT NULL CHECK (due_yuan >= 0),
    collected_yuan numeric(14, 2) NOT NULL CHECK (collected_yuan >= 0),
    PRIMARY KEY (source_id, year)
);
CREATE TABLE works_samples (
    id         bigserial PRIMARY KEY,
    source_id  text NOT NULL REFERENCES water_sources (id) ON DELETE CASCADE,
    sampled_on date NOT NULL,
    lab        text NOT NULL,
    parameters text,            -- what was tested (e.g. 菌落总数, 总大肠菌群, 浑浊度)
    passed     boolean NOT NULL
);
CREATE INDEX works_samples_source ON works_samples (source_id, sampled_on);
CREATE TABLE works_complaints (
    id              bigserial PRIMARY KEY,
    source_id       text NOT NULL REFERENCES water_sources (id) ON DELETE CASCADE,
    received_on     date NOT NULL,
    summary         text,
    answered_on     date CHECK (answered_on >= received_on),
    return_visit_on date CHECK (return_visit_on >= answered_on),
    CHECK (return_visit_on IS NULL OR answered_on IS NOT NULL)
);
CREATE INDEX works_complaints_source ON works_complaints (source_id, received_on);

-- Scoped as the water sources are (the water bureau county-wide); written by the water bureau, planners, admins.
SELECT acct_protect('works_managers', 'acct_in_water_scope(village_code)',
                    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('works_trainings',
                    'EXISTS (SELECT 1 FROM works_managers m WHERE m.id = works_trainings.manager_id)',
                    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('works_fees', 'EXISTS (SELECT 1 FROM water_sources w WHERE w.id = works_fees.source_id)',
                    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('works_samples', 'EXISTS (SELECT 1 FROM water_sources w WHERE w.id = works_samples.source_id)',
                    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('works_complaints',
                    'EXISTS (SELECT 1 FROM water_sources w WHERE w.id = works_complaints.source_id)',
                    ARRAY['admin', 'county_planner', 'water_bureau']);

-- The ledger takes the works' failures as their own kind.
ALTER TABLE rectification_items DROP CONSTRAINT rectification_items_kind_check;
ALTER TABLE rectification_items ADD CONSTRAINT rectification_items_kind_check
    CHECK (kind IN ('water', 'road', 'housing', 'asset', 'finding', 'works'));
