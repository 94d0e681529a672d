-- Household members (issue 14): the persons of each household, the three guarantees checked per person, and the
-- departments' monthly lists matched to them by ID number. Every table under row-level security through the
-- household's scope; members' ID and phone numbers masked (household_members_v) as households_v masks the household's.

CREATE TABLE household_members (
    id                   text PRIMARY KEY,
    household_id         text NOT NULL,     -- checked by the import (geo/validate.py REFERENCES), no foreign key:
                                            -- households keep their fast bulk path (geo/importer.py _bulk)
    name                 text NOT NULL,
    relation             text NOT NULL CHECK (relation IN ('head', 'spouse', 'child', 'parent', 'grandchild', 'other')),
    sex                  text NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date           date NOT NULL,
    id_number            text NOT NULL,     -- personal data: masked in household_members_v
    phone                text,
    disability_grade     integer CHECK (disability_grade BETWEEN 1 AND 4),   -- 残疾等级 一级…四级
    chronic_illness      boolean NOT NULL DEFAULT false,
    school_stage         text CHECK (school_stage IN ('preschool', 'primary', 'junior', 'senior', 'vocational',
                                                      'college', 'home_teaching', 'none')),
    school               text,
    enrolled             boolean,
    home_teaching_visits integer CHECK (home_teaching_visits >= 0),   -- 送教上门 visits in the last month
    insured              boolean,
    doctor_contract      boolean,
    labour               text CHECK (labour IN ('full', 'partial', 'none')),
    willing_to_work      boolean,
    employed_months      integer CHECK (employed_months BETWEEN 0 AND 12),
    income_yuan          double precision CHECK (income_yuan >= 0),
    welfare_post         text,
    welfare_months       integer CHECK (welfare_months BETWEEN 0 AND 12),
    welfare_pay_yuan     double precision CHECK (welfare_pay_yuan >= 0),
    extra                jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX household_members_household ON household_members (household_id);
CREATE INDEX household_members_id_number ON household_members (id_number);

SELECT acct_protect('household_members',
    'EXISTS (SELECT 1 FROM households h JOIN natural_villages nv ON nv.id = h.natural_village_id
             WHERE h.id = household_members.household_id AND acct_in_scope(nv.village_code))',
    ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor']);
SELECT acct_audit('household_members', 'id');

-- As households_v: the masked role may not select ID or phone numbers; the view shows them masked to the roles
-- that do not need them and carries the same scope predicate as the table's policy (it runs with its owner's rights).
CREATE FUNCTION acct_members_view() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    REVOKE SELECT, INSERT, UPDATE, DELETE ON household_members FROM dixian_app_masked;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'household_members'::regclass AND attnum > 0 AND NOT attisdropped
                        AND attname NOT IN ('id_number', 'phone');
    EXECUTE format('GRANT SELECT (%s) ON household_members TO dixian_app_masked', cols);
    SELECT string_agg(CASE attname
                          WHEN 'id_number' THEN 'CASE WHEN acct_sees_personal() THEN m.id_number '
                                                'ELSE acct_mask_id(m.id_number) END AS id_number'
                          WHEN 'phone' THEN 'CASE WHEN acct_sees_personal() THEN m.phone '
                                            'ELSE acct_mask_phone(m.phone) END AS phone'
                          ELSE 'm.' || quote_ident(attname) END, ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'household_members'::regclass AND attnum > 0 AND NOT attisdropped;
    DROP VIEW IF EXISTS household_members_v;
    EXECUTE format('CREATE VIEW household_members_v WITH (security_barrier) AS '
                   'SELECT %s, nv.village_code FROM household_members m JOIN households h ON h.id = m.household_id '
                   'JOIN natural_villages nv ON nv.id = h.natural_village_id WHERE acct_in_scope(nv.village_code)',
                   cols);
    GRANT SELECT ON household_members_v TO dixian_app, dixian_app_masked;
END $$;
REVOKE ALL ON FUNCTION acct_members_view() FROM PUBLIC;
SELECT acct_members_view();

-- The guarantees' results: one row per failing person (or household, for the household rules: its head) and rule,
-- per rule-set label, replaced whole by each run of `python -m geo check guarantees`.
CREATE TABLE guarantee_results (
    rule_set     text NOT NULL,
    rule         text NOT NULL,
    member_id    text,
    household_id text NOT NULL,
    village_code char(12),
    detail       jsonb NOT NULL DEFAULT '{}',
    computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guarantee_results_key ON guarantee_results (rule_set, rule, village_code);
CREATE INDEX guarantee_results_household ON guarantee_results (household_id);
SELECT acct_protect('guarantee_results', 'acct_in_scope(village_code)', ARRAY[]::text[]);

-- The departments' monthly lists (数据比对): each list received (kind and period), and its rows as matched to the
-- members by ID number. A row the register does not know stays with member_id NULL: listed, never dropped.
CREATE TABLE dept_lists (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('dibao', 'insurance', 'medical', 'disability', 'school', 'employment')),
    department  text NOT NULL,
    period      char(7) NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    file_name   text,
    rows        integer NOT NULL DEFAULT 0,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, period)
);
SELECT acct_share('dept_lists');

CREATE TABLE dept_list_rows (
    list_id      bigint NOT NULL REFERENCES dept_lists (id),
    row_no       integer NOT NULL,
    id_number    text NOT NULL,
    name         text,
    member_id    text,
    household_id text,
    village_code char(12),
    fields       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (list_id, id_number)
);
CREATE INDEX dept_list_rows_household ON dept_list_rows (household_id);
-- An unmatched number belongs to no village: only county-wide accounts see it.
SELECT acct_protect('dept_list_rows', 'acct_in_scope(village_code)', ARRAY[]::text[]);
-- the ID numbers a department sent are personal data too: the masked role reads every column but them
REVOKE SELECT, INSERT, UPDATE, DELETE ON dept_list_rows FROM dixian_app_masked;
GRANT SELECT (list_id, row_no, name, member_id, household_id, village_code, fields) ON dept_list_rows
    TO dixian_app_masked;

-- The guarantees' settings, each with its source (DOMAIN.md: three guarantees per person, relocated employment).
UPDATE rule_sets SET settings = settings || jsonb_build_object('guarantees', jsonb_build_object(
    'school_age_min', jsonb_build_object('value', 6, 'source',
        '《义务教育法》第十一条：凡年满六周岁的儿童应当入学接受并完成义务教育 (Compulsory Education Law art. 11: '
        'children who have turned six enter school)'),
    'school_age_max', jsonb_build_object('value', 15, 'source',
        '九年义务教育：6 至 15 周岁（满 16 周岁止）；陇县 2021 任务14–19 控辍保学 (nine years of compulsory '
        'schooling: ages 6 to 15; Long County 2021 tasks 14–19)'),
    'severe_disability_grade', jsonb_build_object('value', 2, 'source',
        '重度残疾为一、二级 (GB/T 26341-2010)；陇县 2021 任务14–19：重度残疾儿童送教上门 (grades 1–2 are '
        'severe; severely disabled children are taught at home)'),
    'home_teaching_visits_per_month', jsonb_build_object('value', 2, 'source',
        '陇县 2021 任务14–19；安康 2020 附件3–4：送教上门每月不少于 2 次 (Long County 2021 tasks 14–19; '
        'Ankang 2020 annexes 3–4: at least twice a month)'),
    'income_line_yuan', jsonb_build_object('value', 6000, 'source',
        '名山区 2020：家庭人均纯收入低于 6000 元/年的纳入监测 (Mingshan 2020: per-capita income below 6,000 yuan)'),
    'min_employment_share', jsonb_build_object('value', 0.9, 'source',
        '安康 2020 附件2；陇县 2021 任务34：有劳动力的搬迁家庭至少一人就业的比例不低于 90% (Ankang 2020 annex 2; '
        'Long County 2021 task 34: at least 90 % of relocated households with labour have someone employed)'),
    'medical_cost_yuan', jsonb_build_object('value', 10000, 'source',
        '陇县 2021 任务2 要求医保部门预警大额医疗支出，未定金额；本平台默认个人自付 1 万元 (Long County 2021 '
        'task 2 asks for alerts on large medical costs without an amount; the platform''s default)')));
