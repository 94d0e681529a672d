-- Accounts (issue 7): users, sessions, failed logins, the app's database roles, the functions row-level security
-- policies use to read the session's user, role and scope, the append-only audit and export logs, and two helpers
-- later migrations call to protect and audit their own tables (acct_protect, acct_audit).

-- The app's database roles. Roles are cluster-wide, so create them once, whichever database migrates first; other
-- databases of the same cluster may be migrating at the same moment, so a duplicate is not an error.
--   dixian_app         the app and the field API for roles that may see personal fields
--   dixian_app_masked  the same, without SELECT on households' ID and phone numbers (water bureau, viewers)
-- Neither owns a table, logs in, or bypasses row-level security.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['dixian_app', 'dixian_app_masked'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
        -- A migrator that is not a superuser must be a member to SET ROLE to it.
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND NOT pg_has_role(current_user, r, 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT %I TO %I', r, current_user);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END $$;

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    login                text NOT NULL CHECK (length(login) BETWEEN 1 AND 64 AND login !~ '[[:cntrl:]]'),
    display_name         text NOT NULL DEFAULT '' CHECK (length(display_name) <= 128),
    role                 text NOT NULL CHECK (role IN ('admin', 'county_planner', 'township_officer',
                                                       'village_monitor', 'water_bureau', 'viewer')),
    scope_code           char(12) CHECK (scope_code ~ '^[0-9]{12}$'),  -- NULL only for an admin of everything
    password_hash        text NOT NULL,                                 -- argon2id, never the password
    active               boolean NOT NULL DEFAULT true,
    must_change_password boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    created_by           bigint REFERENCES users (id),
    password_changed_at  timestamptz NOT NULL DEFAULT now(),     -- sessions older than this are void
    CHECK (scope_code IS NOT NULL OR role = 'admin')
);
CREATE UNIQUE INDEX users_login ON users (lower(login));

-- Web sessions and field-API bearer tokens; only the sha256 of the random secret is kept.
CREATE TABLE user_sessions (
    token_sha256 char(64) PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('web', 'api')),
    label        text,
    client       text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- Failed logins, by the login as typed (lower-cased, whether or not it exists) and the client address when known.
CREATE TABLE login_failures (
    id     bigserial PRIMARY KEY,
    login  text NOT NULL,
    client text,
    at     timestamptz NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_client ON login_failures (client, at) WHERE client IS NOT NULL;

-- Every change to the audited tables: who, when, which row, before and after. Append-only.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    bigint,            -- no foreign key: the log outlives users
    user_login text,              -- the app user, or the job that set dixian.user_login (import, demo …)
    db_user    text NOT NULL DEFAULT session_user,
    table_name text NOT NULL,
    op         text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    row_key    text,
    before     jsonb,
    after      jsonb
);
CREATE INDEX audit_log_row ON audit_log (table_name, row_key);

-- Who exported what and when. Append-only.
CREATE TABLE export_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    bigint,
    user_login text,
    user_role  text,
    scope_code char(12),
    db_user    text NOT NULL DEFAULT session_user,
    layer      text NOT NULL,
    rows       bigint NOT NULL CHECK (rows >= 0),
    format     text NOT NULL,
    masked     boolean NOT NULL,
    file_name  text
);

-- The session's user, role and scope, as scoped_transaction() sets them with set_config(…, true). Unset means no
-- user: every policy then shows nothing (fail closed).
CREATE FUNCTION acct_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('dixian.user_id', true), '')::bigint
$$;
CREATE FUNCTION acct_role() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('dixian.user_role', true), '')
$$;

-- The significant digits of a 12-digit division code (2 province, 4 city, 6 county, 9 township, 12 village);
-- NULL (an admin of everything) is '*'.
CREATE FUNCTION acct_scope_prefix(code text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN code IS NULL THEN '*'
                WHEN substr(code, 3) = '0000000000' THEN left(code, 2)
                WHEN substr(code, 5) = '00000000' THEN left(code, 4)
                WHEN substr(code, 7) = '000000' THEN left(code, 6)
                WHEN substr(code, 10) = '000' THEN left(code, 9)
                ELSE code END
$$;

-- Whether a row whose administrative code is `code` lies in the session's scope. Rows with no code belong to the
-- county: county-level users and above see them. Written as one expression so the planner inlines it into policies.
CREATE FUNCTION acct_in_scope(code text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN coalesce(current_setting('dixian.scope_prefix', true), '') = '' THEN false
                WHEN current_setting('dixian.scope_prefix', true) = '*' THEN true
                WHEN code IS NULL THEN length(current_setting('dixian.scope_prefix', true)) <= 6
                ELSE starts_with(code, current_setting('dixian.scope_prefix', true)) END
$$;

-- The water layer's scope: the water bureau sees water county-wide (the county of its scope), others their scope.
CREATE FUNCTION acct_in_water_scope(code text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('dixian.user_role', true) = 'water_bureau'
                     AND length(coalesce(current_setting('dixian.scope_prefix', true), '')) > 6
                     AND current_setting('dixian.scope_prefix', true) <> '*'
                THEN code IS NULL OR starts_with(code, left(current_setting('dixian.scope_prefix', true), 6))
                ELSE acct_in_scope(code) END
$$;

-- Roles whose work needs households' ID and phone numbers; everyone else sees them masked.
CREATE FUNCTION acct_sees_personal() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('dixian.user_role', true), '')
           IN ('admin', 'county_planner', 'township_officer', 'village_monitor')
$$;
-- 5301**********1234 and 138****5678 (accounts/masking.py does the same in Python).
CREATE FUNCTION acct_mask_id(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(v) >= 10 THEN left(v, 4) || repeat('*', length(v) - 8) || right(v, 4)
                ELSE repeat('*', length(v)) END
$$;
CREATE FUNCTION acct_mask_phone(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(v) >= 8 THEN left(v, 3) || repeat('*', length(v) - 7) || right(v, 4)
                ELSE repeat('*', length(v)) END
$$;

-- Put row-level security on a table: rows where `scope_sql` holds are readable by every app role, and writable by
-- the roles in `writers`. `scope_sql` is trusted SQL from a migration, e.g. 'acct_in_scope(village_code)'.
-- Later migrations call it for their own tables:  SELECT acct_protect('my_table', 'acct_in_scope(village_code)');
CREATE FUNCTION acct_protect(tbl regclass, scope_sql text,
                             writers text[] DEFAULT ARRAY['admin', 'county_planner']) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    seq regclass;
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('DROP POLICY IF EXISTS acct_read ON %s', tbl);
    EXECUTE format('DROP POLICY IF EXISTS acct_write ON %s', tbl);
    EXECUTE format('CREATE POLICY acct_read ON %s FOR SELECT USING (%s)', tbl, scope_sql);
    EXECUTE format('CREATE POLICY acct_write ON %s FOR ALL USING ((%s) AND acct_role() = ANY (%L::text[])) '
                   'WITH CHECK ((%s) AND acct_role() = ANY (%L::text[]))', tbl, scope_sql, writers, scope_sql, writers);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO dixian_app, dixian_app_masked', tbl);
    FOR seq IN SELECT d.objid::regclass FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
               WHERE d.refobjid = tbl AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO dixian_app, dixian_app_masked', seq);
    END LOOP;
END $$;

-- A table every app role may read whole (no personal or scoped data); only `writers` change it.
CREATE FUNCTION acct_share(tbl regclass, writers text[] DEFAULT ARRAY['admin', 'county_planner']) RETURNS void
LANGUAGE sql AS $$
    SELECT acct_protect(tbl, 'true', writers)
$$;

-- Audit trigger body: one INSERT … SELECT per statement over the transition tables, so a million-row COPY costs
-- one set-based insert, not a million trigger calls. TG_ARGV[0]: the key columns, comma-separated;
-- TG_ARGV[1]: columns left out of before/after (derived or secret), comma-separated. Geometries are kept as EWKT:
-- PostGIS's own json cast (GeoJSON) would cost ten times as much on a big load.
CREATE FUNCTION acct_audit_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    keys    text[] := string_to_array(TG_ARGV[0], ',');
    dropped text[] := coalesce(string_to_array(nullif(TG_ARGV[1], ''), ','), '{}');
    uid     bigint := acct_user_id();
    ulogin  text := nullif(current_setting('dixian.user_login', true), '');
    tname   text := TG_TABLE_NAME;
    cols    text;
    keysel  text;
    key_o   text;
    key_n   text;
    join_on text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN  -- no rows to show, but who emptied the table and when
        INSERT INTO audit_log (user_id, user_login, table_name, op) VALUES (uid, ulogin, tname, 'TRUNCATE');
        RETURN NULL;
    END IF;
    SELECT string_agg(CASE WHEN a.atttypid = to_regtype('geometry') THEN format('ST_AsEWKT(%1$I) AS %1$I', a.attname)
                           ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
      INTO cols
      FROM pg_attribute a
     WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attname = ANY (dropped);
    SELECT string_agg(format('r.%I', k), ', '),
           string_agg(format('o.%I::text', k), ' || '':'' || '), string_agg(format('n.%I::text', k), ' || '':'' || '),
           string_agg(format('o.%I = n.%I', k, k), ' AND ')
      INTO keysel, key_o, key_n, join_on FROM unnest(keys) AS k;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('INSERT INTO audit_log (user_id, user_login, table_name, op, row_key, after) '
                       'SELECT $1, $2, $3, ''INSERT'', %s, n.j '
                       'FROM (SELECT %s, to_jsonb(r) AS j FROM (SELECT %s FROM acct_new) r) n', key_n, keysel, cols)
        USING uid, ulogin, tname;
    ELSIF TG_OP = 'UPDATE' THEN
        EXECUTE format('INSERT INTO audit_log (user_id, user_login, table_name, op, row_key, before, after) '
                       'SELECT $1, $2, $3, ''UPDATE'', coalesce(%s, %s), o.j, n.j '
                       'FROM (SELECT %s, to_jsonb(r) AS j FROM (SELECT %s FROM acct_old) r) o '
                       'FULL JOIN (SELECT %s, to_jsonb(r) AS j FROM (SELECT %s FROM acct_new) r) n ON %s '
                       'WHERE o.j IS DISTINCT FROM n.j', key_n, key_o, keysel, cols, keysel, cols, join_on)
        USING uid, ulogin, tname;
    ELSE
        EXECUTE format('INSERT INTO audit_log (user_id, user_login, table_name, op, row_key, before) '
                       'SELECT $1, $2, $3, ''DELETE'', %s, o.j '
                       'FROM (SELECT %s, to_jsonb(r) AS j FROM (SELECT %s FROM acct_old) r) o', key_o, keysel, cols)
        USING uid, ulogin, tname;
    END IF;
    RETURN NULL;
END $$;

-- Audit a table's changes: statement-level triggers with transition tables.
-- Later migrations call it:  SELECT acct_audit('my_table', 'id');  or  acct_audit('t', 'a,b', 'geom_m,secret')
CREATE FUNCTION acct_audit(tbl regclass, key_columns text, drop_columns text DEFAULT 'geom_m') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS acct_audit_ins ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS acct_audit_upd ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS acct_audit_del ON %s', tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS acct_audit_trunc ON %s', tbl);
    EXECUTE format('CREATE TRIGGER acct_audit_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS acct_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION acct_audit_rows(%L, %L)', tbl, key_columns, drop_columns);
    EXECUTE format('CREATE TRIGGER acct_audit_upd AFTER UPDATE ON %s REFERENCING OLD TABLE AS acct_old '
                   'NEW TABLE AS acct_new FOR EACH STATEMENT EXECUTE FUNCTION acct_audit_rows(%L, %L)',
                   tbl, key_columns, drop_columns);
    EXECUTE format('CREATE TRIGGER acct_audit_del AFTER DELETE ON %s REFERENCING OLD TABLE AS acct_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION acct_audit_rows(%L, %L)', tbl, key_columns, drop_columns);
    EXECUTE format('CREATE TRIGGER acct_audit_trunc AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION acct_audit_rows(%L, %L)', tbl, key_columns, drop_columns);
END $$;

-- The logs are append-only even for their owner; the app roles have no UPDATE, DELETE or TRUNCATE on them at all.
CREATE FUNCTION acct_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION acct_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION acct_append_only();
CREATE TRIGGER export_log_append_only BEFORE UPDATE OR DELETE ON export_log
    FOR EACH ROW EXECUTE FUNCTION acct_append_only();
CREATE TRIGGER export_log_no_truncate BEFORE TRUNCATE ON export_log
    FOR EACH STATEMENT EXECUTE FUNCTION acct_append_only();

REVOKE ALL ON FUNCTION acct_protect(regclass, text, text[]), acct_share(regclass, text[]),
                       acct_audit(regclass, text, text), acct_audit_rows() FROM PUBLIC;
