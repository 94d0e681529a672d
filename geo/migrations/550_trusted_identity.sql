-- Security (issue 12, item 2): an identity the database trusts. Until now who the user was (dixian.user_id, role,
-- scope) were settings the app's own connection set with set_config, so an injected statement could set them too.
-- Now the identity is a row of acct_identity, keyed by the backend's pid, which only the owner writes:
--   acct_begin(token, kind)   SECURITY DEFINER: checks the sha256 of a web session, bearer token or ODK key against
--                             user_sessions (live, not revoked, not older than the password, of that kind; an account
--                             that must change its password only on the pages) and records the user for this backend
--   acct_vouch(pid, user, x)  the owner's word for a user without a token (command lines, jobs, tests); not granted
--   acct_end()                forgets this backend's identity (the pool calls it when a connection comes back)
-- acct_user_id(), acct_role(), acct_in_scope(), acct_in_water_scope(), acct_sees_personal() keep their signatures
-- (policies and definer functions of every migration call them) and read that row. A row holds for the transaction
-- it was made in (xact set: scoped_transaction) or for the connection (xact NULL: connect_as, pooled_as), and only
-- while current_user is the database role it was made for (or the owner, inside a definer function): a masked user's
-- connection that SETs ROLE to the unmasked app role, or RESETs it, has no identity at all.
CREATE UNLOGGED TABLE acct_identity (
    pid          integer PRIMARY KEY,
    xact         xid8,
    user_id      bigint NOT NULL,
    login        text NOT NULL,
    role         text NOT NULL,
    scope_code   text,
    scope_prefix text NOT NULL,
    db_role      text NOT NULL,
    kind         text NOT NULL,   -- web, api, odk, or 'vouched'
    at           timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE acct_identity ENABLE ROW LEVEL SECURITY;
CREATE POLICY acct_identity_own ON acct_identity FOR SELECT USING (pid = pg_catalog.pg_backend_pid());
GRANT SELECT ON acct_identity TO dixian_app, dixian_app_masked;

-- The readers: plain SQL (the invoker's rights, so no definer overhead per row), every name qualified by schema so
-- that a temporary table or function of the caller shadows nothing.
DO $do$
DECLARE
    s text := quote_ident(current_schema());
    me text := format('FROM %s.acct_identity i WHERE i.pid = pg_catalog.pg_backend_pid() '
                      'AND (i.xact IS NULL OR i.xact = pg_catalog.pg_current_xact_id_if_assigned()) '
                      'AND current_user IN (i.db_role, %L)', quote_ident(current_schema()), current_user);
BEGIN
    EXECUTE format('CREATE OR REPLACE FUNCTION %1$s.acct_user_id() RETURNS bigint LANGUAGE sql STABLE AS '
                   '$$ SELECT i.user_id %2$s $$', s, me);
    EXECUTE format('CREATE OR REPLACE FUNCTION %1$s.acct_role() RETURNS text LANGUAGE sql STABLE AS '
                   '$$ SELECT i.role %2$s $$', s, me);
    EXECUTE format('CREATE OR REPLACE FUNCTION %1$s.acct_user_login() RETURNS text LANGUAGE sql STABLE AS '
                   '$$ SELECT i.login %2$s $$', s, me);
    EXECUTE format('CREATE OR REPLACE FUNCTION %1$s.acct_my_scope() RETURNS text LANGUAGE sql STABLE AS '
                   '$$ SELECT i.scope_prefix %2$s $$', s, me);
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_in_scope(code text) RETURNS boolean LANGUAGE sql STABLE AS
        $$ SELECT coalesce((SELECT CASE WHEN i.scope_prefix = '*' THEN true
                                        WHEN code IS NULL THEN length(i.scope_prefix) <= 6
                                        ELSE starts_with(code, i.scope_prefix) END %2$s), false) $$$f$, s, me);
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_in_water_scope(code text) RETURNS boolean LANGUAGE sql STABLE AS
        $$ SELECT coalesce((SELECT CASE WHEN i.scope_prefix = '*' THEN true
                                        WHEN i.role = 'water_bureau' AND length(i.scope_prefix) > 6
                                        THEN code IS NULL OR starts_with(code, left(i.scope_prefix, 6))
                                        WHEN code IS NULL THEN length(i.scope_prefix) <= 6
                                        ELSE starts_with(code, i.scope_prefix) END %2$s), false) $$$f$, s, me);
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_sees_personal() RETURNS boolean LANGUAGE sql STABLE AS
        $$ SELECT coalesce((SELECT i.role IN ('admin', 'county_planner', 'township_officer', 'village_monitor')
                            %2$s), false) $$$f$, s, me);

    -- Record `user` for backend `p_pid` (owner only): the one writer of acct_identity besides acct_begin.
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_record(p_pid integer, p_xact xid8, p_user bigint,
                                                                 p_kind text) RETURNS text
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        u record;
        r text;
    BEGIN
        DELETE FROM %1$s.acct_identity WHERE pid = p_pid
            OR pid NOT IN (SELECT a.pid FROM pg_catalog.pg_stat_activity a WHERE a.pid IS NOT NULL);
        SELECT id, login, role, scope_code INTO u FROM %1$s.users WHERE id = p_user AND active;
        IF NOT FOUND OR (u.scope_code IS NULL AND u.role <> 'admin') THEN
            RETURN NULL;
        END IF;
        r := CASE WHEN u.role IN ('admin', 'county_planner', 'township_officer', 'village_monitor')
                  THEN 'dixian_app' ELSE 'dixian_app_masked' END;
        INSERT INTO %1$s.acct_identity (pid, xact, user_id, login, role, scope_code, scope_prefix, db_role, kind)
        VALUES (p_pid, p_xact, u.id, u.login, u.role, u.scope_code, %1$s.acct_scope_prefix(u.scope_code), r, p_kind);
        RETURN r;
    END $$$f$, s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_record(integer, xid8, bigint, text) FROM PUBLIC', s);

    -- The app's way in: a token, checked here. Returns the database role to SET ROLE to, or NULL (no identity).
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_begin(token text, kind text, for_transaction boolean DEFAULT false)
        RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        uid bigint;
    BEGIN
        IF token IS NULL OR length(token) > 200 OR kind IS NULL THEN
            DELETE FROM %1$s.acct_identity WHERE pid = pg_backend_pid();
            RETURN NULL;
        END IF;
        SELECT s.user_id INTO uid
          FROM %1$s.user_sessions s JOIN %1$s.users u ON u.id = s.user_id
         WHERE s.token_sha256 = encode(sha256(convert_to(token, 'UTF8')), 'hex') AND s.kind = acct_begin.kind
           AND u.active AND s.revoked_at IS NULL AND s.expires_at > now() AND s.created_at >= u.password_changed_at
           AND (s.kind = 'web' OR NOT u.must_change_password);
        IF uid IS NULL THEN
            DELETE FROM %1$s.acct_identity WHERE pid = pg_backend_pid();
            RETURN NULL;
        END IF;
        RETURN %1$s.acct_record(pg_backend_pid(), CASE WHEN for_transaction THEN pg_current_xact_id() END, uid, kind);
    END $$$f$, s);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s.acct_begin(text, text, boolean) TO PUBLIC', s);

    -- The owner's word for a user without a token, for backend p_pid (its own or an app connection's).
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_vouch(p_pid integer, p_user bigint, p_xact xid8 DEFAULT NULL)
        RETURNS text LANGUAGE sql SET search_path = pg_catalog, pg_temp AS
        $$ SELECT %1$s.acct_record(p_pid, p_xact, p_user, 'vouched') $$$f$, s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_vouch(integer, bigint, xid8) FROM PUBLIC', s);

    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_end() RETURNS void
        LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS
        $$ DELETE FROM %1$s.acct_identity WHERE pid = pg_backend_pid() $$$f$, s);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s.acct_end() TO PUBLIC', s);
END $do$;

-- Users' admin policy read the scope setting itself; now the identity.
DROP POLICY users_admin ON users;
CREATE POLICY users_admin ON users FOR ALL
    USING (acct_role() = 'admin' AND CASE WHEN scope_code IS NULL THEN acct_my_scope() = '*'
                                          ELSE acct_in_scope(scope_code) END)
    WITH CHECK (acct_role() = 'admin' AND CASE WHEN scope_code IS NULL THEN acct_my_scope() = '*'
                                               ELSE acct_in_scope(scope_code) END);

-- Admin work on users goes through definer functions that check the caller; the app roles write users no more.
-- Allowed: the owner's (or a superuser's) own connection, or an identity that is an admin whose scope covers the
-- user's scope before and after (an admin of everything for users of no scope).
DO $do$
DECLARE
    s text := quote_ident(current_schema());
BEGIN
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_may_manage(p_scope text) RETURNS boolean
        LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
        SELECT pg_has_role(session_user, %2$L, 'MEMBER')
            OR (%1$s.acct_role() = 'admin' AND CASE WHEN p_scope IS NULL THEN %1$s.acct_my_scope() = '*'
                                                    ELSE %1$s.acct_in_scope(p_scope) END)
    $$$f$, s, current_user);
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_user_create(p_login text, p_display_name text, p_role text,
            p_scope text, p_password_hash text, p_must_change boolean) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        made bigint;
    BEGIN
        IF NOT %1$s.acct_may_manage(p_scope) THEN
            RAISE EXCEPTION 'only an administrator whose scope covers %% may create this user', coalesce(p_scope, 'all')
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        INSERT INTO %1$s.users (login, display_name, role, scope_code, password_hash, created_by, must_change_password)
        VALUES (p_login, p_display_name, p_role, p_scope, p_password_hash, %1$s.acct_user_id(), p_must_change)
        RETURNING id INTO made;
        RETURN made;
    END $$$f$, s);
    -- One user's role and scope, active flag or password (hash); NULL arguments leave that part as it is.
    -- Returns false when the user is not there or not the caller's to manage.
    EXECUTE format($f$CREATE OR REPLACE FUNCTION %1$s.acct_user_update(p_id bigint, p_set_role boolean, p_role text,
            p_scope text, p_active boolean, p_password_hash text, p_must_change boolean) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        old record;
    BEGIN
        SELECT * INTO old FROM %1$s.users WHERE id = p_id FOR UPDATE;
        IF NOT FOUND OR NOT %1$s.acct_may_manage(old.scope_code)
           OR (p_set_role AND NOT %1$s.acct_may_manage(p_scope)) THEN
            RETURN false;
        END IF;
        UPDATE %1$s.users
           SET role = CASE WHEN p_set_role THEN p_role ELSE role END,
               scope_code = CASE WHEN p_set_role THEN p_scope ELSE scope_code END,
               active = coalesce(p_active, active),
               password_hash = coalesce(p_password_hash, password_hash),
               password_changed_at = CASE WHEN p_password_hash IS NULL THEN password_changed_at
                                          ELSE clock_timestamp() END,
               must_change_password = coalesce(p_must_change, must_change_password)
         WHERE id = p_id;
        RETURN true;
    END $$$f$, s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_user_create(text, text, text, text, text, boolean) FROM PUBLIC', s);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.acct_user_update(bigint, boolean, text, text, boolean, text, boolean) '
                   'FROM PUBLIC', s);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s.acct_user_create(text, text, text, text, text, boolean) '
                   'TO dixian_app', s);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s.acct_user_update(bigint, boolean, text, text, boolean, text, '
                   'boolean) TO dixian_app', s);
END $do$;
REVOKE INSERT, UPDATE, DELETE ON users FROM dixian_app, dixian_app_masked;
