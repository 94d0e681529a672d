-- One ledger (一本账, 对账销号; Ankang 2020 三(一) and annex 11, Xinping 2018): the rectification list takes every
-- finding — from the checks, from records, and entered by hand from supervision (督查), audit (审计) and inspection
-- tours (巡察) — each with its source, category, responsible unit, deadline and state, closed (销号) with evidence
-- and a reviewer. Failing field inspections stay in `rectifications` (their own open/close rule, 200_inspections)
-- and are read into the same list by board/sql/rectification_list.sql.
ALTER TABLE rectification_items DROP CONSTRAINT IF EXISTS rectification_items_kind_check;
ALTER TABLE rectification_items ADD CONSTRAINT rectification_items_kind_check
    CHECK (kind IN ('water', 'road', 'housing', 'asset', 'finding'));
ALTER TABLE rectification_items
    ADD COLUMN source   text NOT NULL DEFAULT 'check'
                        CHECK (source IN ('check', 'record', 'supervision', 'audit', 'tour')),
    ADD COLUMN category text,              -- what kind of problem, in the finder's words (hand-entered findings)
    ADD COLUMN evidence text,              -- what shows it is fixed (document number, photo, check run)
    ADD COLUMN reviewer text;              -- who accepted the closure (销号审核人)
UPDATE rectification_items SET source = 'record' WHERE kind IN ('housing', 'asset');
-- A hand-entered finding is closed by hand only, with both evidence and a reviewer.
ALTER TABLE rectification_items ADD CONSTRAINT rectification_items_finding_closed
    CHECK (kind <> 'finding' OR closed_on IS NULL OR (nullif(btrim(evidence), '') IS NOT NULL
                                                      AND nullif(btrim(reviewer), '') IS NOT NULL));
ALTER TABLE rectification_items ADD CONSTRAINT rectification_items_finding_source
    CHECK ((kind = 'finding') = (source IN ('supervision', 'audit', 'tour')));

-- Hand-entered findings are numbered F000001, … (the sequence belongs to the table, so its grants follow it).
CREATE SEQUENCE rectification_finding_seq OWNED BY rectification_items.subject_id;

-- Scoped by village as before (510's default for a table with a village code); re-applied so the sequence is
-- granted too. A finding without a village (a county bureau's) is seen and written by county-wide roles only.
SELECT acct_protect('rectification_items', 'acct_in_scope(village_code)',
                    ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor', 'water_bureau']);
