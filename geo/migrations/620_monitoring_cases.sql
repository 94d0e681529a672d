-- Monitored households (issue 13, monitoring/): a case per episode of a monitored household, the two review chains
-- as data (states and the transitions each role may take at each level), the append-only log of every step, support
-- measures, public notices with their photos and objections, signals that propose cases, the county's spot checks,
-- and the monitoring settings of the rule sets. The steps themselves are the functions of migration 621; the app's
-- roles read these tables under row-level security and change a case's state or its log only through them.

-- The states of a case: which chain each belongs to, its place in it, and whether the household counts as
-- monitored (监测对象) while its case is in it. not_included and eliminated close the case.
CREATE TABLE mon_states (
    state     text PRIMARY KEY,
    chain     text NOT NULL CHECK (chain IN ('identification', 'elimination')),
    position  integer NOT NULL,
    monitored boolean NOT NULL
);
INSERT INTO mon_states (state, chain, position, monitored) VALUES
    ('proposed', 'identification', 1, false),
    ('village_assessed', 'identification', 2, false),
    ('notice', 'identification', 3, false),
    ('township_reviewed', 'identification', 4, false),
    ('identified', 'identification', 5, true),
    ('returned', 'identification', 6, false),
    ('not_included', 'identification', 7, false),
    ('elimination_proposed', 'elimination', 1, true),
    ('elimination_village_assessed', 'elimination', 2, true),
    ('elimination_township_reviewed', 'elimination', 3, true),
    ('elimination_spot_check', 'elimination', 4, true),
    ('elimination_confirmed', 'elimination', 5, true),
    ('elimination_notice', 'elimination', 6, true),
    ('eliminated', 'elimination', 7, false);

-- Who may take which step from which state, at which level (Long County 2021 tasks 1–4). `review`: a decision on
-- someone's proposal, which the proposer never takes, and a person takes review steps at one level only in a round
-- (a township officer who assessed at the village does not also review for the township). `via`: the function that
-- takes the step (mon_transition for the plain ones). from_state = to_state: an act that records, not a move.
CREATE TABLE mon_transitions (
    action     text NOT NULL,
    from_state text REFERENCES mon_states (state),
    to_state   text NOT NULL REFERENCES mon_states (state),
    level      text NOT NULL CHECK (level IN ('village', 'township', 'county')),
    roles      text[] NOT NULL,
    review     boolean NOT NULL,
    via        text NOT NULL DEFAULT 'mon_transition',
    UNIQUE NULLS NOT DISTINCT (from_state, to_state, action)
);
CREATE UNIQUE INDEX mon_transitions_plain ON mon_transitions (from_state, to_state) WHERE via = 'mon_transition';
INSERT INTO mon_transitions (action, from_state, to_state, level, roles, review, via) VALUES
    -- identification: proposed → village assessed → public notice → township reviewed → county confirmed
    ('propose', NULL, 'proposed', 'village', '{village_monitor,township_officer}', false, 'mon_propose'),
    ('consent', 'proposed', 'proposed', 'village', '{village_monitor,township_officer}', false, 'mon_record_consent'),
    ('assess', 'proposed', 'village_assessed', 'village', '{village_monitor,township_officer}', true, 'mon_transition'),
    ('consent', 'village_assessed', 'village_assessed', 'village', '{village_monitor,township_officer}', false,
     'mon_record_consent'),
    ('notice', 'village_assessed', 'notice', 'village', '{village_monitor,township_officer}', false, 'mon_post_notice'),
    ('review', 'notice', 'township_reviewed', 'township', '{township_officer}', true, 'mon_transition'),
    ('confirm', 'township_reviewed', 'identified', 'county', '{county_planner}', true, 'mon_transition'),
    -- returned with a reason at any step (an objection to the notice returns it too); then resubmitted or closed
    ('return', 'proposed', 'returned', 'village', '{village_monitor,township_officer}', true, 'mon_transition'),
    ('return', 'village_assessed', 'returned', 'village', '{village_monitor,township_officer}', true, 'mon_transition'),
    ('return', 'notice', 'returned', 'township', '{township_officer}', true, 'mon_transition'),
    ('object', 'notice', 'returned', 'village', '{village_monitor,township_officer}', false, 'mon_object'),
    ('return', 'township_reviewed', 'returned', 'county', '{county_planner}', true, 'mon_transition'),
    ('consent', 'returned', 'returned', 'village', '{village_monitor,township_officer}', false, 'mon_record_consent'),
    ('resubmit', 'returned', 'proposed', 'village', '{village_monitor,township_officer}', false, 'mon_transition'),
    ('close', 'returned', 'not_included', 'village', '{village_monitor,township_officer}', false, 'mon_transition'),
    -- elimination: proposed by the support contact → village assessed → township reviewed → county spot check (a
    -- sample; the rest confirmed without one) → public notice → risk eliminated
    ('propose_elimination', 'identified', 'elimination_proposed', 'village', '{village_monitor,township_officer}',
     false, 'mon_transition'),
    ('assess', 'elimination_proposed', 'elimination_village_assessed', 'village',
     '{village_monitor,township_officer}', true, 'mon_transition'),
    ('review', 'elimination_village_assessed', 'elimination_township_reviewed', 'township', '{township_officer}',
     true, 'mon_transition'),
    ('draw', 'elimination_township_reviewed', 'elimination_spot_check', 'county', '{county_planner}', true,
     'mon_draw'),
    ('draw', 'elimination_township_reviewed', 'elimination_confirmed', 'county', '{county_planner}', true,
     'mon_draw'),
    ('spot_check', 'elimination_spot_check', 'elimination_confirmed', 'county', '{county_planner}', true,
     'mon_transition'),
    ('notice', 'elimination_confirmed', 'elimination_notice', 'village', '{village_monitor,township_officer}', false,
     'mon_post_notice'),
    ('eliminate', 'elimination_notice', 'eliminated', 'county', '{county_planner}', true, 'mon_transition'),
    -- an elimination returned (or objected to) goes back to support
    ('return', 'elimination_proposed', 'identified', 'village', '{village_monitor,township_officer}', true,
     'mon_transition'),
    ('return', 'elimination_village_assessed', 'identified', 'township', '{township_officer}', true,
     'mon_transition'),
    ('return', 'elimination_township_reviewed', 'identified', 'county', '{county_planner}', true, 'mon_transition'),
    ('return', 'elimination_spot_check', 'identified', 'county', '{county_planner}', true, 'mon_transition'),
    ('return', 'elimination_confirmed', 'identified', 'county', '{county_planner}', true, 'mon_transition'),
    ('object', 'elimination_notice', 'identified', 'village', '{village_monitor,township_officer}', false,
     'mon_object'),
    ('return', 'elimination_notice', 'identified', 'county', '{county_planner}', true, 'mon_transition');

-- One case per episode. No foreign key to households: a case and its history outlive a household replaced by a
-- later import (same id, same case). village_code is the household's village when the case opened: its scope.
CREATE TABLE mon_cases (
    id                      bigserial PRIMARY KEY,
    household_id            text NOT NULL,
    village_code            char(12),
    category                text NOT NULL CHECK (category IN ('unstable', 'marginal', 'sudden_hardship')),
    risk_types              text[] NOT NULL DEFAULT '{}',
    found_by                text NOT NULL CHECK (found_by IN ('self_declaration', 'screening', 'department_alert',
                                                              'imported')),
    state                   text NOT NULL REFERENCES mon_states (state),
    closed                  boolean GENERATED ALWAYS AS (state IN ('not_included', 'eliminated')) STORED,
    round                   integer NOT NULL DEFAULT 1 CHECK (round > 0),  -- one per proposal: the review round
    state_since             timestamptz NOT NULL DEFAULT clock_timestamp(),
    proposed_on             date,
    identified_on           date,          -- the county's confirmation (or the imported identification date)
    identified_on_estimated boolean NOT NULL DEFAULT false,   -- imported without one: counted from the import
    elimination_proposed_on date,
    eliminated_on           date,
    consent_on              date,          -- 承诺授权: the household's signed consent, and who recorded it
    consent_by              bigint,
    consent_by_login        text,
    support_contact         text,          -- 帮扶联系人
    support_user_id         bigint,        -- their account, when they have one: only they propose the elimination
    income_per_capita       numeric(12, 2) CHECK (income_per_capita >= 0),
    reason                  text,          -- why it was proposed
    historical              boolean NOT NULL DEFAULT false,   -- imported with its dates
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mon_cases_one_open ON mon_cases (household_id) WHERE NOT closed;
CREATE INDEX mon_cases_household ON mon_cases (household_id);
CREATE INDEX mon_cases_village ON mon_cases (village_code);
CREATE INDEX mon_cases_state ON mon_cases (state);

-- Every step of every case: who, role, when, from, to, why. Append-only (triggers refuse UPDATE, DELETE and
-- TRUNCATE; the app roles may not even INSERT: the step functions write it). `at` is when the step happened
-- (an import writes the imported dates), `recorded_at` when the row was written.
CREATE TABLE mon_case_log (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES mon_cases (id),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id    bigint,      -- users.id; NULL for an owner's job (import, demo), named in actor_login
    actor_login text,
    actor_role  text,
    action      text NOT NULL,
    from_state  text,
    to_state    text NOT NULL,
    round       integer NOT NULL,
    level       text,
    review      boolean NOT NULL DEFAULT false,
    reason      text
);
CREATE INDEX mon_case_log_case ON mon_case_log (case_id, at, id);
CREATE INDEX mon_case_log_to ON mon_case_log (to_state, at);
CREATE TRIGGER mon_case_log_append_only BEFORE UPDATE OR DELETE ON mon_case_log
    FOR EACH ROW EXECUTE FUNCTION acct_append_only();
CREATE TRIGGER mon_case_log_no_truncate BEFORE TRUNCATE ON mon_case_log
    FOR EACH STATEMENT EXECUTE FUNCTION acct_append_only();

-- Support measures (帮扶措施), matched to the case's risk types.
CREATE TABLE mon_measures (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES mon_cases (id),
    kind        text NOT NULL CHECK (kind IN ('industry', 'employment', 'public_welfare_post', 'medical', 'education',
                                              'housing', 'water', 'dibao', 'tekun', 'temporary_relief',
                                              'insurance')),
    risk_types  text[] NOT NULL DEFAULT '{}',
    department  text,
    start_on    date NOT NULL,
    end_on      date CHECK (end_on IS NULL OR end_on >= start_on),
    amount_yuan numeric(14, 2) CHECK (amount_yuan >= 0),
    state       text NOT NULL DEFAULT 'in_effect' CHECK (state IN ('planned', 'in_effect', 'ended', 'cancelled')),
    note        text,
    CHECK (state <> 'ended' OR end_on IS NOT NULL),
    created_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mon_measures_case ON mon_measures (case_id);

-- Public notices (公示): the cases each announces, its village and window; the photo of the posted notice; the
-- objections received and what was done about each. closes_on is the first day after the window.
CREATE TABLE mon_notices (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('identification', 'elimination')),
    village_code    char(12) NOT NULL,
    posted_on       date NOT NULL,
    window_days     integer NOT NULL CHECK (window_days > 0),
    closes_on       date GENERATED ALWAYS AS (posted_on + window_days) STORED,
    place           text,
    posted_by       bigint,
    posted_by_login text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mon_notices_village ON mon_notices (village_code);
CREATE TABLE mon_notice_cases (
    notice_id bigint NOT NULL REFERENCES mon_notices (id),
    case_id   bigint NOT NULL REFERENCES mon_cases (id),
    PRIMARY KEY (notice_id, case_id)
);
CREATE INDEX mon_notice_cases_case ON mon_notice_cases (case_id);
CREATE TABLE mon_notice_photos (
    notice_id   bigint NOT NULL REFERENCES mon_notices (id),
    sha256      char(64) NOT NULL,
    format      text NOT NULL,
    bytes       bigint NOT NULL,
    lat         double precision,
    lon         double precision,
    time_utc    timestamptz,
    time_local  text,
    make        text,
    model       text,
    flags       text[] NOT NULL DEFAULT '{}',
    distance_m  double precision,   -- from the village (its boundary, else its seat), when the photo has a position
    uploaded_by bigint,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notice_id, sha256)
);
CREATE INDEX mon_notice_photos_sha ON mon_notice_photos (sha256);
CREATE TABLE mon_objections (
    id                bigserial PRIMARY KEY,
    notice_id         bigint NOT NULL REFERENCES mon_notices (id),
    case_id           bigint NOT NULL REFERENCES mon_cases (id),
    received_on       date NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('in_person', 'phone', 'letter', 'anonymous', 'other')),
    content           text NOT NULL CHECK (length(btrim(content)) > 0),
    recorded_by       bigint,
    recorded_by_login text,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    outcome           text,          -- what was done about it; NULL while it is open
    resolved_by       bigint,
    resolved_by_login text,
    resolved_at       timestamptz
);
CREATE INDEX mon_objections_case ON mon_objections (case_id);

-- Signals: evidence that a household may be at risk, raised set-based from visits, the water check, houses and the
-- departments' alerts; they propose a case to the village's weekly assessment and never confirm one. ref names the
-- evidence (an inspection, the check's label and failed clauses, a house and its grade, the department's own key),
-- so raising again adds nothing. A signal for a household with an open case is attached to it.
CREATE TABLE mon_signals (
    id             bigserial PRIMARY KEY,
    household_id   text NOT NULL,
    village_code   char(12),
    source         text NOT NULL CHECK (source IN ('visit', 'water_check', 'house', 'department_alert')),
    rule           text NOT NULL,
    ref            text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}',
    risk_types     text[] NOT NULL DEFAULT '{}',
    raised_at      timestamptz NOT NULL DEFAULT now(),
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'taken', 'dismissed', 'attached')),
    case_id        bigint REFERENCES mon_cases (id),
    handled_by     bigint,
    handled_at     timestamptz,
    handled_reason text,
    UNIQUE (source, rule, household_id, ref)
);
CREATE INDEX mon_signals_open ON mon_signals (village_code) WHERE state = 'open';
CREATE INDEX mon_signals_household ON mon_signals (household_id);

-- What the departments' lists (the next issue) write: one row per household they flag, with their own key.
CREATE TABLE mon_department_alerts (
    id           bigserial PRIMARY KEY,
    department   text NOT NULL,
    list_name    text,
    ref          text NOT NULL,
    household_id text NOT NULL,
    rule         text NOT NULL,
    risk_types   text[] NOT NULL DEFAULT '{}',
    detail       jsonb NOT NULL DEFAULT '{}',
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (department, ref, household_id, rule)
);

-- The household visit form's risk choices as the platform's risk types (the form's codes predate the vocabulary).
CREATE TABLE mon_visit_risks (
    form_code text PRIMARY KEY,
    risk_type text NOT NULL
);
INSERT INTO mon_visit_risks VALUES ('illness', 'illness'), ('education', 'education'), ('disaster', 'disaster'),
    ('disability', 'disability'), ('accident', 'accident'), ('labour', 'labour_shortage'),
    ('industry', 'industry_failure'), ('employment', 'unstable_employment'), ('housing', 'housing'),
    ('water', 'water');

-- County spot checks of eliminations (县级抽查): the seed, the rate, the whole pool (so anyone can draw again with
-- the seed and compare) and which cases were sampled, with each re-check's result.
CREATE TABLE mon_spot_checks (
    id             bigserial PRIMARY KEY,
    seed           bigint NOT NULL,
    rate           double precision NOT NULL CHECK (rate > 0 AND rate <= 1),
    scope_code     char(12),
    drawn_by       bigint,
    drawn_by_login text,
    drawn_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mon_spot_check_items (
    spot_check_id bigint NOT NULL REFERENCES mon_spot_checks (id),
    case_id       bigint NOT NULL REFERENCES mon_cases (id),
    township_code char(9),
    sampled       boolean NOT NULL,
    result        text CHECK (result IN ('pass', 'fail')),
    checked_by    bigint,
    checked_at    timestamptz,
    PRIMARY KEY (spot_check_id, case_id)
);
CREATE INDEX mon_spot_check_items_case ON mon_spot_check_items (case_id);

-- The monitoring settings of every rule set, each with its source (DOMAIN.md, rules table).
UPDATE rule_sets SET settings = settings || jsonb_build_object('monitoring', jsonb_build_object(
    'income_line_yuan', jsonb_build_object('value', 6000, 'source',
        '名山区 2020：家庭人均纯收入低于 6000 元/年的纳入监测 (Mingshan 2020: per-capita net income below 6,000 yuan a year)'),
    'min_support_days', jsonb_build_object('value', 90, 'source',
        '陇县 2021 任务4：重点监测户从识别帮扶至风险消除不少于3个月，按 90 天计 (Long County 2021 task 4: '
        'at least 3 months from identification to elimination, taken as 90 days)'),
    'min_support_categories', jsonb_build_object('value', jsonb_build_array('unstable', 'marginal', 'sudden_hardship'),
        'source', '陇县 2021 任务4：重点监测户 (key monitored households: the three monitored categories)'),
    'notice_days', jsonb_build_object('value', 5, 'source',
        '村级公示期 5 天：陇县 2021 任务1–4 要求公示，未定天数，取各地常用的 5 天 (Long County 2021 asks for a '
        'public notice without a length; 5 days is the common practice)'),
    'spot_check_rate', jsonb_build_object('value', 0.2, 'source',
        '县级抽查比例不低于 20%：陇县 2021 任务4 要求县级抽查，未定比例，本平台默认 (Long County 2021 task 4 asks '
        'for a county spot check without a rate; the platform''s default)'),
    'review_days_village', jsonb_build_object('value', 7, 'source',
        '陇县 2021 任务1–2：村级每周研判 (weekly village assessment)'),
    'review_days_township', jsonb_build_object('value', 15, 'source',
        '乡镇审核时限 15 天：本平台默认，按县规定调整 (the platform''s default)'),
    'review_days_county', jsonb_build_object('value', 15, 'source',
        '县级确认时限 15 天：本平台默认，按县规定调整 (the platform''s default)'),
    'signal_categories', jsonb_build_object('value', jsonb_build_array('exited', 'unstable', 'marginal',
                                                                         'sudden_hardship'),
        'source', '饮水、住房信号只对脱贫户和监测户提出（陇县 2021 任务2：部门筛查预警的对象）(water and housing '
                  'signals for exited and monitored households)'),
    'notice_photo_max_m', jsonb_build_object('value', 1000, 'source',
        '公示照片应在本村拍摄：距村界 1000 米以上提示 (a notice photo taken over 1 km outside the village is '
        'flagged)')));

-- The households monitored now: an open case in a monitored state. The overview, the risk layer, the visit schedule
-- and the reports read this, so an eliminated household stops counting.
CREATE VIEW monitored_households WITH (security_invoker = true) AS
SELECT c.household_id, c.id AS case_id, c.category, c.state, c.risk_types, c.support_contact, c.identified_on,
       c.village_code
FROM mon_cases c JOIN mon_states s ON s.state = c.state
WHERE s.monitored AND NOT c.closed;

-- Some households' last visit on a day: the imported date or the latest household visit logged in the app by then
-- (returned ones do not count, as in the inspection schedule), in the county's dates; set-based over the households
-- asked for. One rule for the overview, the risk layer, the case pages, the report and the ledger;
-- monitored_last_visits is it for today's monitored households.
CREATE FUNCTION mon_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date
$$;
CREATE FUNCTION household_last_visits_on(as_of date, households text[])
RETURNS TABLE (household_id text, last_visit_on date) LANGUAGE sql STABLE AS $$
    SELECT h.id, greatest(CASE WHEN h.last_visit_on <= as_of THEN h.last_visit_on END, v.last_on)
    FROM (SELECT DISTINCT x.id FROM unnest(households) AS x(id)) x
    JOIN households h ON h.id = x.id
    LEFT JOIN LATERAL (SELECT max((i.submitted_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_on
                       FROM inspections i
                       WHERE i.target_kind = 'household' AND i.target_id = h.id AND i.kind = 'household_visit'
                         AND i.review_state <> 'returned'
                         AND (i.submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= as_of) v ON true
$$;
CREATE VIEW monitored_last_visits WITH (security_invoker = true) AS
SELECT * FROM household_last_visits_on(mon_today(), ARRAY(SELECT household_id FROM monitored_households));

-- A name shown to a role that does not see personal data: its first character and stars (张** for 张建华).
CREATE FUNCTION mon_mask_name(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE left(v, 1) || repeat('*', greatest(length(v) - 1, 1)) END
$$;

-- Cases as the pages read them: the household's name (masked for roles that do not see personal data), members,
-- natural village, village and township, last visit and position. It reads with the caller's rights: the policies
-- on mon_cases and households decide which rows.
CREATE VIEW mon_cases_v WITH (security_invoker = true) AS
SELECT c.*,
       CASE WHEN acct_sees_personal() THEN h.head_name ELSE mon_mask_name(h.head_name) END AS head_name,
       h.members, h.natural_village_id, a.village_name, a.township_code, a.township_name, nv.name AS nv_name,
       lv.last_visit_on, ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat
FROM mon_cases c
LEFT JOIN households h ON h.id = c.household_id
LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
LEFT JOIN village_admin a ON a.village_code = c.village_code
LEFT JOIN household_last_visits_on(mon_today(), ARRAY(SELECT household_id FROM mon_cases)) lv
       ON lv.household_id = c.household_id;

-- Row-level security from the start: every row follows the household's village. The app's roles read in scope;
-- they write measures and notice photos (and a case's risk types and support contact) directly; everything that
-- moves a case or adds to its history goes through the step functions (migration 621), so the grants acct_protect
-- gives are taken back below.
SELECT acct_protect('mon_cases', 'acct_in_scope(village_code)',
                    ARRAY['village_monitor', 'township_officer', 'county_planner']);
SELECT acct_protect('mon_case_log', 'EXISTS (SELECT 1 FROM mon_cases c WHERE c.id = mon_case_log.case_id)',
                    ARRAY[]::text[]);
SELECT acct_protect('mon_measures', 'EXISTS (SELECT 1 FROM mon_cases c WHERE c.id = mon_measures.case_id)',
                    ARRAY['village_monitor', 'township_officer', 'county_planner']);
SELECT acct_protect('mon_notices', 'acct_in_scope(village_code)', ARRAY[]::text[]);
SELECT acct_protect('mon_notice_cases', 'EXISTS (SELECT 1 FROM mon_cases c WHERE c.id = mon_notice_cases.case_id)',
                    ARRAY[]::text[]);
SELECT acct_protect('mon_notice_photos',
                    'EXISTS (SELECT 1 FROM mon_notices n WHERE n.id = mon_notice_photos.notice_id)', ARRAY[]::text[]);
SELECT acct_protect('mon_objections', 'EXISTS (SELECT 1 FROM mon_cases c WHERE c.id = mon_objections.case_id)',
                    ARRAY[]::text[]);
SELECT acct_protect('mon_signals', 'acct_in_scope(village_code)', ARRAY[]::text[]);
SELECT acct_protect('mon_department_alerts',
                    'EXISTS (SELECT 1 FROM households h JOIN natural_villages nv ON nv.id = h.natural_village_id '
                    'WHERE h.id = mon_department_alerts.household_id AND acct_in_scope(nv.village_code))',
                    ARRAY[]::text[]);
SELECT acct_protect('mon_spot_checks', 'acct_in_scope(scope_code)', ARRAY[]::text[]);
SELECT acct_protect('mon_spot_check_items',
                    'EXISTS (SELECT 1 FROM mon_cases c WHERE c.id = mon_spot_check_items.case_id)', ARRAY[]::text[]);
ALTER TABLE mon_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY mon_read ON mon_states FOR SELECT USING (true);
ALTER TABLE mon_transitions ENABLE ROW LEVEL SECURITY;
CREATE POLICY mon_read ON mon_transitions FOR SELECT USING (true);
ALTER TABLE mon_visit_risks ENABLE ROW LEVEL SECURITY;
CREATE POLICY mon_read ON mon_visit_risks FOR SELECT USING (true);

DO $$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname IN ('dixian_app', 'dixian_app_masked') LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON mon_cases, mon_case_log, mon_notices, '
                       'mon_notice_cases, mon_notice_photos, mon_objections, mon_signals, mon_department_alerts, '
                       'mon_spot_checks, mon_spot_check_items FROM %I', r);
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON mon_measures FROM %I', r);
        EXECUTE format('GRANT UPDATE (kind, risk_types, department, start_on, end_on, amount_yuan, state, note) '
                       'ON mon_measures TO %I', r);
        -- what a case holds besides its state and history: its risks and its support contact
        EXECUTE format('GRANT UPDATE (risk_types, support_contact, support_user_id) ON mon_cases TO %I', r);
        EXECUTE format('GRANT SELECT ON mon_states, mon_transitions, mon_visit_risks, monitored_households, '
                       'monitored_last_visits, mon_cases_v TO %I', r);
    END LOOP;
END $$;

-- Audited like the layers (who changed what, before and after); the case log is its own record.
SELECT acct_audit('mon_cases', 'id', '');
SELECT acct_audit('mon_measures', 'id', '');
SELECT acct_audit('mon_notices', 'id', '');
SELECT acct_audit('mon_notice_photos', 'notice_id,sha256', '');
SELECT acct_audit('mon_objections', 'id', '');
SELECT acct_audit('mon_signals', 'id', '');
SELECT acct_audit('mon_department_alerts', 'id', '');
SELECT acct_audit('mon_spot_checks', 'id', '');
SELECT acct_audit('mon_spot_check_items', 'spot_check_id,case_id', '');
