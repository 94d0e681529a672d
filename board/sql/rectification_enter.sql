-- A finding entered by hand (督查/审计/巡察): numbered from the table's own sequence; returns its number.
-- Parameters: source, category, village_code, detail, owner, due_on, opened_on.
INSERT INTO rectification_items (kind, source, category, subject_id, village_code, problem, detail, owner,
                                 opened_on, due_on)
VALUES ('finding', %(source)s, %(category)s, 'F' || lpad(nextval('rectification_finding_seq')::text, 6, '0'),
        %(village_code)s, 'finding', %(detail)s, %(owner)s, %(opened_on)s, %(due_on)s)
RETURNING subject_id;
