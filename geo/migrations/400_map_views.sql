-- The planner's map and dashboard (layers/): where each natural village and administrative village sits in the
-- county → township → village tree, and the rectification list (整改清单) with its history, so that an item keeps
-- its first-seen date, owner and due date until a later check or record resolves it.

CREATE VIEW nv_admin AS
SELECT nv.id          AS natural_village_id,
       nv.village_code,
       v.name         AS village_name,
       v.parent_code  AS township_code,
       t.name         AS township_name
FROM natural_villages nv
LEFT JOIN admin_units v ON v.code = nv.village_code
LEFT JOIN admin_units t ON t.code = v.parent_code;

CREATE VIEW village_admin AS
SELECT v.code         AS village_code,
       v.name         AS village_name,
       v.parent_code  AS township_code,
       t.name         AS township_name
FROM admin_units v
LEFT JOIN admin_units t ON t.code = v.parent_code
WHERE v.level = 'village';

CREATE TABLE rectification_items (
    kind          text NOT NULL CHECK (kind IN ('water', 'road', 'housing', 'asset')),
    subject_id    text NOT NULL,          -- household / natural village / house / asset id
    village_code  char(12),
    problem       text NOT NULL,          -- a code of layers/i18n.py PROBLEM (failing clause, grade, overdue …)
    detail        text,
    owner         text,                   -- who must fix it (责任人 / 责任单位)
    opened_on     date NOT NULL DEFAULT current_date,
    due_on        date NOT NULL,
    closed_on     date,                   -- set when a later check or record no longer finds the problem
    closed_by     text,                   -- what resolved it: the check run or the record
    PRIMARY KEY (kind, subject_id, opened_on)
);
CREATE UNIQUE INDEX rectification_items_open ON rectification_items (kind, subject_id) WHERE closed_on IS NULL;
CREATE INDEX rectification_items_village ON rectification_items (village_code);
