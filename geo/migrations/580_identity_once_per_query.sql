-- Security (issue 12): the trusted identity (migration 550) read once per query, not once per row. A policy that
-- calls acct_in_scope(code) runs that function, and its lookup of acct_identity, for every row: about 15 times the
-- cost of the setting it replaced. Written as acct_scope_match((SELECT acct_scope_regex()), code) instead, the
-- sub-select is an init plan, evaluated once per query, and acct_scope_match (each argument used once, so the
-- planner inlines it) is a regular-expression match per row.
--   acct_scope_regex()        the identity's scope as a pattern: '' for everything, '^530427(|$)'-like for a county
--                             (its rows with no code too), '^530427100' below; NULL without an identity (no match)
--   acct_water_scope_regex()  the same for the water layer (the water bureau sees its county's)
--   acct_fast(expr)           the rewrite of a policy expression: acct_in_scope(, acct_in_water_scope(, acct_role(),
--                             acct_user_id(), acct_sees_personal(), acct_my_scope() become once-per-query forms
-- Every policy of the schema is rewritten so here; acct_protect (and so acct_share) rewrites the expressions later
-- migrations give it; households_v is rebuilt the same way. A policy a later migration writes by hand still works,
-- reading the identity per row.
DO $do$
DECLARE
    s text := quote_ident(current_schema());
    me text := format('FROM %s.acct_identity i WHERE i.pid = pg_catalog.pg_backend_pid() '
                      'AND (i.xact IS NULL OR i.xact = pg_catalog.pg_current_xact_id_if_assigned()) '
                      'AND current_user IN (i.db_role, %L)', quote_ident(current_schema()), current_user);
BEGIN
    EXECUTE format($f$CREATE FUNCTION %1$s.acct_scope_regex() RETURNS text LANGUAGE sql STABLE AS
        $$ SELECT CASE WHEN i.scope_prefix = '*' THEN ''
                       WHEN length(i.scope_prefix) <= 6 THEN '^(' || i.scope_prefix || '|$)'
                       ELSE '^' || i.scope_prefix END %2$s $$$f$, s, me);
    EXECUTE format($f$CREATE FUNCTION %1$s.acct_water_scope_regex() RETURNS text LANGUAGE sql STABLE AS
        $$ SELECT CASE WHEN i.scope_prefix = '*' THEN ''
                       WHEN i.role = 'water_bureau' AND length(i.scope_prefix) > 6
                       THEN '^(' || left(i.scope_prefix, 6) || '|$)'
                       WHEN length(i.scope_prefix) <= 6 THEN '^(' || i.scope_prefix || '|$)'
                       ELSE '^' || i.scope_prefix END %2$s $$$f$, s, me);
END $do$;
CREATE FUNCTION acct_scope_match(pattern text, code text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(code, '') ~ pattern
$$;

CREATE FUNCTION acct_fast(expr text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(
           regexp_replace(regexp_replace(regexp_replace(expr,
               '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_role\(\)', '(SELECT acct_role())', 'g'),
               '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_user_id\(\)', '(SELECT acct_user_id())', 'g'),
               '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_sees_personal\(\)', '(SELECT acct_sees_personal())', 'g'),
               '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_my_scope\(\)', '(SELECT acct_my_scope())', 'g'),
           '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_in_water_scope\(', 'acct_scope_match((SELECT acct_water_scope_regex()), ',
           'g'),
           '(\m[A-Za-z_][A-Za-z_0-9]*\.)?acct_in_scope\(', 'acct_scope_match((SELECT acct_scope_regex()), ', 'g')
$$;

-- Every policy of the schema, once.
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT pol.polname, pol.polrelid::regclass AS tbl,
                    pg_get_expr(pol.polqual, pol.polrelid) AS qual, pg_get_expr(pol.polwithcheck, pol.polrelid) AS chk
               FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
              WHERE c.relnamespace = current_schema()::regnamespace LOOP
        IF p.qual IS NOT NULL AND acct_fast(p.qual) <> p.qual THEN
            EXECUTE format('ALTER POLICY %I ON %s USING (%s)', p.polname, p.tbl, acct_fast(p.qual));
        END IF;
        IF p.chk IS NOT NULL AND acct_fast(p.chk) <> p.chk THEN
            EXECUTE format('ALTER POLICY %I ON %s WITH CHECK (%s)', p.polname, p.tbl, acct_fast(p.chk));
        END IF;
    END LOOP;
END $$;

-- acct_protect as before (same signature, same grants), its policies in the once-per-query form.
CREATE OR REPLACE FUNCTION acct_protect(tbl regclass, scope_sql text,
                                        writers text[] DEFAULT ARRAY['admin', 'county_planner']) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    seq regclass;
    s   text := acct_fast(scope_sql);
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('DROP POLICY IF EXISTS acct_read ON %s', tbl);
    EXECUTE format('DROP POLICY IF EXISTS acct_write ON %s', tbl);
    EXECUTE format('CREATE POLICY acct_read ON %s FOR SELECT USING (%s)', tbl, s);
    EXECUTE format('CREATE POLICY acct_write ON %s FOR ALL USING ((%s) AND (SELECT acct_role()) = ANY (%L::text[])) '
                   'WITH CHECK ((%s) AND (SELECT acct_role()) = ANY (%L::text[]))', tbl, s, writers, s, writers);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO dixian_app, dixian_app_masked', tbl);
    FOR seq IN SELECT d.objid::regclass FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
               WHERE d.refobjid = tbl AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO dixian_app, dixian_app_masked', seq);
    END LOOP;
END $$;

-- households_v (migration 510's acct_households_view, same rule) with the identity read once per query.
CREATE OR REPLACE FUNCTION acct_households_view() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    REVOKE SELECT ON households FROM dixian_app_masked;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'households'::regclass AND attnum > 0 AND NOT attisdropped
                        AND attname NOT IN ('id_number', 'phone');
    EXECUTE format('GRANT SELECT (%s) ON households TO dixian_app_masked', cols);
    SELECT string_agg(CASE attname
                          WHEN 'id_number' THEN 'CASE WHEN (SELECT acct_sees_personal()) THEN h.id_number '
                                                'ELSE acct_mask_id(h.id_number) END AS id_number'
                          WHEN 'phone' THEN 'CASE WHEN (SELECT acct_sees_personal()) THEN h.phone '
                                            'ELSE acct_mask_phone(h.phone) END AS phone'
                          ELSE 'h.' || quote_ident(attname) END, ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'households'::regclass AND attnum > 0 AND NOT attisdropped;
    DROP VIEW IF EXISTS households_v;
    EXECUTE format('CREATE VIEW households_v WITH (security_barrier) AS '
                   'SELECT %s, nv.village_code FROM households h JOIN natural_villages nv ON nv.id = h.natural_village_id '
                   'WHERE acct_scope_match((SELECT acct_scope_regex()), nv.village_code)', cols);
    GRANT SELECT ON households_v TO dixian_app, dixian_app_masked;
END $$;
REVOKE ALL ON FUNCTION acct_households_view() FROM PUBLIC;
SELECT acct_households_view();
