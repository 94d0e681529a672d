-- Security (issue 12, item 3): an audit log that holds.
--  * The trigger function is SECURITY DEFINER with search_path pinned to pg_catalog, public, pg_temp (pg_temp last,
--    so a caller's temporary table or function named like ours is never found first) and names every table and
--    function by schema.
--  * Who: the trusted identity (acct_identity, migration 550); a job's label (geo.db.set_actor) only on a connection
--    of the tables' owner, never the app's; bulk summaries likewise.
--  * Where: each row carries the division code of the record it changed (its village code, natural village's,
--    household's, or a user's scope), and admins read the rows of their own scope (a township's admin its township).
--  * ID numbers and phones are kept as HMAC-SHA256 under a key in acct_audit_key, which only the owner reads: equal
--    values still match (who changed this person's record) but the log discloses none.
-- The app roles cannot create objects in the schemas (REVOKE CREATE ON SCHEMA public); they still may make temporary
-- tables (waterplan's scenarios do), which the qualification above makes harmless.
DO $$
BEGIN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN  -- DATABASE_URL's role does not own public: the README says what to do
    RAISE NOTICE 'could not revoke CREATE on schema public from PUBLIC: ask its owner to';
END $$;

CREATE TABLE acct_audit_key (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    ikey bytea NOT NULL,   -- the key, zero-padded to SHA-256's 64-byte block, XOR 0x36 (HMAC's inner pad)
    okey bytea NOT NULL    -- the same XOR 0x5c (the outer pad)
);
REVOKE ALL ON acct_audit_key FROM PUBLIC;
DO $$
DECLARE
    k bytea := decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')
                      || repeat('00', 32), 'hex');   -- 32 random bytes (two UUIDv4s from the strong RNG), padded
    i bytea := k;
    o bytea := k;
BEGIN
    FOR n IN 0 .. 63 LOOP
        i := set_byte(i, n, get_byte(k, n) # 54);
        o := set_byte(o, n, get_byte(k, n) # 92);
    END LOOP;
    INSERT INTO acct_audit_key (ikey, okey) VALUES (i, o);
END $$;

DO $do$
DECLARE
    s text := quote_ident(current_schema());
    g text := quote_ident((SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                           WHERE e.extname = 'postgis'));
BEGIN
    -- HMAC-SHA256 (RFC 2104) of a personal value; not granted, so the app roles cannot use it to test guesses.
    EXECUTE format($f$CREATE FUNCTION %1$s.acct_pseudonym(v text) RETURNS text LANGUAGE sql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
        SELECT CASE WHEN v IS NULL THEN NULL ELSE 'hmac:' || encode(sha256(k.okey || sha256(k.ikey
                    || convert_to(v, 'UTF8'))), 'hex') END
        FROM %1$s.acct_audit_key k $$$f$, s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_pseudonym(text) FROM PUBLIC', s);

    -- The division code an audited record belongs to, from its own columns (after or before).
    EXECUTE format($f$CREATE FUNCTION %1$s.acct_audit_scope(j jsonb) RETURNS text LANGUAGE sql STABLE
        SET search_path = pg_catalog, pg_temp AS $$
        SELECT coalesce(j ->> 'village_code', j ->> 'scope_code',
                        (SELECT nv.village_code FROM %1$s.natural_villages nv WHERE nv.id = j ->> 'natural_village_id'),
                        (SELECT nv.village_code FROM %1$s.households h JOIN %1$s.natural_villages nv
                                                  ON nv.id = h.natural_village_id WHERE h.id = j ->> 'household_id'))
    $$$f$, s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_audit_scope(jsonb) FROM PUBLIC', s);

    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_audit_rows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        keys    text[] := string_to_array(TG_ARGV[0], ',');
        dropped text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{}');
        uid     bigint := %1$s.acct_user_id();
        -- a job's label only from the tables' owner's own connection (the app's login is no member of it)
        is_job  boolean := uid IS NULL AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                                                        'MEMBER');
        ulogin  text := coalesce(%1$s.acct_user_login(),
                                 CASE WHEN is_job THEN nullif(current_setting('dixian.user_login', true), '') END);
        tname   text := TG_TABLE_NAME;
        cols    text;
        keysel  text;
        key_o   text;
        key_n   text;
        join_on text;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN  -- no rows to show, but who emptied the table and when
            INSERT INTO %1$s.audit_log (user_id, user_login, table_name, op) VALUES (uid, ulogin, tname, 'TRUNCATE');
            RETURN NULL;
        END IF;
        IF TG_OP IN ('INSERT', 'DELETE') AND is_job AND current_setting('dixian.audit_bulk', true) = 'summary' THEN
            EXECUTE format('INSERT INTO %1$s.audit_log (user_id, user_login, table_name, op, before, after) '
                           'SELECT $1, $2, $3, $4, CASE WHEN $4 = ''DELETE'' THEN x END, '
                           'CASE WHEN $4 = ''INSERT'' THEN x END '
                           'FROM (SELECT jsonb_build_object(''summary'', true, ''rows'', count(*)) AS x FROM %%I) s',
                           CASE TG_OP WHEN 'INSERT' THEN 'acct_new' ELSE 'acct_old' END)
            USING uid, ulogin, tname, TG_OP;
            RETURN NULL;
        END IF;
        SELECT string_agg(CASE WHEN a.atttypid = to_regtype('%2$s.geometry')
                               THEN format('%2$s.ST_AsEWKT(%%1$I) AS %%1$I', a.attname)
                               WHEN a.attname IN ('id_number', 'phone')
                               THEN format('%1$s.acct_pseudonym(%%1$I::text) AS %%1$I', a.attname)
                               ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
          INTO cols
          FROM pg_attribute a
         WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attname = ANY (dropped);
        SELECT string_agg(format('r.%%I', k), ', '),
               string_agg(format('o.%%I::text', k), ' || '':'' || '),
               string_agg(format('n.%%I::text', k), ' || '':'' || '),
               string_agg(format('o.%%I = n.%%I', k, k), ' AND ')
          INTO keysel, key_o, key_n, join_on FROM unnest(keys) AS k;
        IF TG_OP = 'INSERT' THEN
            EXECUTE format('INSERT INTO %1$s.audit_log (user_id, user_login, table_name, op, row_key, after, scope_code) '
                           'SELECT $1, $2, $3, ''INSERT'', %%s, n.j, %1$s.acct_audit_scope(n.j) '
                           'FROM (SELECT %%s, to_jsonb(r) AS j FROM (SELECT %%s FROM acct_new) r) n', key_n, keysel, cols)
            USING uid, ulogin, tname;
        ELSIF TG_OP = 'UPDATE' THEN
            EXECUTE format('INSERT INTO %1$s.audit_log (user_id, user_login, table_name, op, row_key, before, after, '
                           'scope_code) '
                           'SELECT $1, $2, $3, ''UPDATE'', coalesce(%%s, %%s), o.j, n.j, '
                           '%1$s.acct_audit_scope(coalesce(n.j, o.j)) '
                           'FROM (SELECT %%s, to_jsonb(r) AS j FROM (SELECT %%s FROM acct_old) r) o '
                           'FULL JOIN (SELECT %%s, to_jsonb(r) AS j FROM (SELECT %%s FROM acct_new) r) n ON %%s '
                           'WHERE o.j IS DISTINCT FROM n.j', key_n, key_o, keysel, cols, keysel, cols, join_on)
            USING uid, ulogin, tname;
        ELSE
            EXECUTE format('INSERT INTO %1$s.audit_log (user_id, user_login, table_name, op, row_key, before, scope_code) '
                           'SELECT $1, $2, $3, ''DELETE'', %%s, o.j, %1$s.acct_audit_scope(o.j) '
                           'FROM (SELECT %%s, to_jsonb(r) AS j FROM (SELECT %%s FROM acct_old) r) o', key_o, keysel, cols)
            USING uid, ulogin, tname;
        END IF;
        RETURN NULL;
    END $$$f$, s, g);

    -- The export log names the exporter as the database knows them, whatever the app wrote (a row in another
    -- user's name is refused by the policy, export_log_add).
    EXECUTE format($f$CREATE FUNCTION %1$s.acct_export_who() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF %1$s.acct_user_id() IS NOT NULL AND NEW.user_id = %1$s.acct_user_id() THEN
            NEW.user_login := %1$s.acct_user_login();
            NEW.user_role := %1$s.acct_role();
            NEW.scope_code := (SELECT i.scope_code FROM %1$s.acct_identity i WHERE i.pid = pg_backend_pid());
        END IF;
        RETURN NEW;
    END $$$f$, s);
END $do$;

ALTER TABLE audit_log ADD COLUMN scope_code text;   -- the changed record's division code (NULL: county-level)
DROP POLICY audit_log_read ON audit_log;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (acct_role() = 'admin' AND acct_in_scope(scope_code));
DROP POLICY export_log_read ON export_log;
CREATE POLICY export_log_read ON export_log FOR SELECT USING (acct_role() = 'admin' AND acct_in_scope(scope_code));
CREATE TRIGGER export_log_who BEFORE INSERT ON export_log FOR EACH ROW EXECUTE FUNCTION acct_export_who();

-- Past audit rows: personal values pseudonymised, scope filled in (an owner's one-time rewrite; the append-only
-- trigger is set aside for it alone, inside this migration's transaction).
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE audit_log SET before = CASE WHEN before ?| ARRAY['id_number', 'phone'] THEN before
                                        || jsonb_strip_nulls(jsonb_build_object('id_number', acct_pseudonym(before ->> 'id_number'),
                                                                                'phone', acct_pseudonym(before ->> 'phone')))
                                   ELSE before END,
                     after = CASE WHEN after ?| ARRAY['id_number', 'phone'] THEN after
                                       || jsonb_strip_nulls(jsonb_build_object('id_number', acct_pseudonym(after ->> 'id_number'),
                                                                               'phone', acct_pseudonym(after ->> 'phone')))
                                  ELSE after END,
                     scope_code = acct_audit_scope(coalesce(after, before))
 WHERE before ?| ARRAY['id_number', 'phone'] OR after ?| ARRAY['id_number', 'phone'] OR scope_code IS NULL;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
