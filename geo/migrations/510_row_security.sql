-- Row-level security, masking and audit on the platform's tables (issue 7). The app and the field API run each
-- transaction as dixian_app or dixian_app_masked (accounts/scoped.py), neither of which owns a table, so every
-- policy below applies to them; the owner (migrations, import, checks) is not restricted.

DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO dixian_app, dixian_app_masked', current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO dixian_app, dixian_app_masked',
                   current_schema());
END $$;

-- Reference tables with nothing personal or scoped: readable by all app roles; changed by the owner's jobs.
GRANT SELECT ON meta, admin_units, seats, dem TO dixian_app, dixian_app_masked;

-- Scoped layers. A household is in scope when its natural village is; a house when its household is.
SELECT acct_protect('natural_villages', 'acct_in_water_scope(village_code)');
SELECT acct_protect('households',
    'EXISTS (SELECT 1 FROM natural_villages nv WHERE nv.id = households.natural_village_id
                                              AND acct_in_scope(nv.village_code))',
    ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor']);
SELECT acct_protect('houses',
    'CASE WHEN houses.household_id IS NULL THEN acct_in_scope(NULL)
          ELSE EXISTS (SELECT 1 FROM households h JOIN natural_villages nv ON nv.id = h.natural_village_id
                       WHERE h.id = houses.household_id AND acct_in_scope(nv.village_code)) END',
    ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor']);
SELECT acct_protect('relocation_sites', 'acct_in_scope(village_code)',
    ARRAY['admin', 'county_planner', 'township_officer']);
SELECT acct_protect('relocated_households',
    'EXISTS (SELECT 1 FROM relocation_sites s WHERE s.id = relocated_households.site_id
                                            AND acct_in_scope(s.village_code))
     OR EXISTS (SELECT 1 FROM natural_villages nv WHERE nv.id = relocated_households.origin_natural_village_id
                                                AND acct_in_scope(nv.village_code))',
    ARRAY['admin', 'county_planner', 'township_officer']);
SELECT acct_protect('assets', 'acct_in_scope(village_code)', ARRAY['admin', 'county_planner', 'township_officer']);
SELECT acct_protect('water_sources', 'acct_in_water_scope(village_code)',
    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('water_results',
    'CASE WHEN water_results.natural_village_id IS NULL THEN acct_in_water_scope(NULL)
          ELSE EXISTS (SELECT 1 FROM natural_villages nv WHERE nv.id = water_results.natural_village_id
                                                         AND acct_in_water_scope(nv.village_code)) END',
    ARRAY['admin', 'county_planner', 'water_bureau']);
SELECT acct_protect('road_results',
    'EXISTS (SELECT 1 FROM natural_villages nv WHERE nv.id = road_results.natural_village_id
                                              AND acct_in_scope(nv.village_code))');
SELECT acct_share('roads');
SELECT acct_share('rule_sets');

-- Households' ID and phone numbers: the masked role may not select them at all; households_v shows them masked
-- to the roles that do not need them. The view runs with its owner's rights (so it can read the columns) and
-- therefore carries the same scope predicate as the table's policy.
-- A later migration that adds a column to households calls SELECT acct_households_view(); to carry it through.
CREATE FUNCTION acct_households_view() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    cols text;
BEGIN
    REVOKE SELECT ON households FROM dixian_app_masked;
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'households'::regclass AND attnum > 0 AND NOT attisdropped
                        AND attname NOT IN ('id_number', 'phone');
    EXECUTE format('GRANT SELECT (%s) ON households TO dixian_app_masked', cols);
    SELECT string_agg(CASE attname
                          WHEN 'id_number' THEN 'CASE WHEN acct_sees_personal() THEN h.id_number '
                                                'ELSE acct_mask_id(h.id_number) END AS id_number'
                          WHEN 'phone' THEN 'CASE WHEN acct_sees_personal() THEN h.phone '
                                            'ELSE acct_mask_phone(h.phone) END AS phone'
                          ELSE 'h.' || quote_ident(attname) END, ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'households'::regclass AND attnum > 0 AND NOT attisdropped;
    DROP VIEW IF EXISTS households_v;
    EXECUTE format('CREATE VIEW households_v WITH (security_barrier) AS '
                   'SELECT %s, nv.village_code FROM households h JOIN natural_villages nv ON nv.id = h.natural_village_id '
                   'WHERE acct_in_scope(nv.village_code)', cols);
    GRANT SELECT ON households_v TO dixian_app, dixian_app_masked;
END $$;
REVOKE ALL ON FUNCTION acct_households_view() FROM PUBLIC;
SELECT acct_households_view();

-- Users: everyone reads their own row, admins every row in their scope; only admins change them. Nobody in the
-- app reads password hashes (login checks run in accounts/users.py on the owner's connection).
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT
    USING (id = acct_user_id() OR (acct_role() = 'admin' AND (scope_code IS NULL AND acct_in_scope(NULL)
                                                             OR acct_in_scope(scope_code))));
CREATE POLICY users_admin ON users FOR ALL
    USING (acct_role() = 'admin' AND CASE WHEN scope_code IS NULL
                                          THEN current_setting('dixian.scope_prefix', true) = '*'
                                          ELSE acct_in_scope(scope_code) END)
    WITH CHECK (acct_role() = 'admin' AND CASE WHEN scope_code IS NULL
                                               THEN current_setting('dixian.scope_prefix', true) = '*'
                                               ELSE acct_in_scope(scope_code) END);
GRANT SELECT (id, login, display_name, role, scope_code, active, must_change_password, created_at, created_by,
              password_changed_at) ON users TO dixian_app, dixian_app_masked;
GRANT INSERT, UPDATE ON users TO dixian_app;

-- The logs: admins read them; the app may add an export record for itself; nobody in the app changes either.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (acct_role() = 'admin');
GRANT SELECT ON audit_log TO dixian_app;
ALTER TABLE export_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY export_log_read ON export_log FOR SELECT USING (acct_role() = 'admin');
CREATE POLICY export_log_add ON export_log FOR INSERT WITH CHECK (user_id = acct_user_id());
GRANT SELECT ON export_log TO dixian_app;
GRANT INSERT ON export_log TO dixian_app, dixian_app_masked;
-- user_sessions and login_failures: no grant at all.

-- Audit: who changed what, before and after (geom_m is derived from geom and left out; so is the password hash).
SELECT acct_audit('households', 'id');
SELECT acct_audit('houses', 'id');
SELECT acct_audit('water_sources', 'id', 'geom_m,protection_zone_m');
SELECT acct_audit('roads', 'id');
SELECT acct_audit('assets', 'id');
SELECT acct_audit('rule_sets', 'name,version', '');
SELECT acct_audit('users', 'id', 'password_hash');

-- Field inspections (migrations 2xx), when they are there: scoped by the inspected village; the water bureau sees
-- the checks of water works county-wide; photos, flags and reviews follow their inspection.
DO $$
DECLARE
    field_roles text[] := ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor', 'water_bureau'];
    t text;
BEGIN
    IF to_regclass('inspectors') IS NOT NULL THEN
        PERFORM acct_protect('inspectors', 'acct_in_scope(scope_code)');
    END IF;
    IF to_regclass('inspections') IS NULL THEN
        RETURN;
    END IF;
    PERFORM acct_protect('inspections',
        'acct_in_scope(village_code) OR (target_kind = ''water_source'' AND acct_in_water_scope(village_code))',
        field_roles);
    PERFORM acct_audit('inspections', 'id');
    FOREACH t IN ARRAY ARRAY['inspection_flags', 'inspection_photos', 'review_log'] LOOP
        IF to_regclass(t) IS NOT NULL THEN
            PERFORM acct_protect(t::regclass,
                format('EXISTS (SELECT 1 FROM inspections i WHERE i.id = %I.inspection_id)', t), field_roles);
        END IF;
    END LOOP;
    IF to_regclass('rectifications') IS NOT NULL THEN
        PERFORM acct_protect('rectifications',
            'acct_in_scope(NULL) OR EXISTS (SELECT 1 FROM inspections i WHERE i.id = rectifications.opened_by)',
            field_roles);
    END IF;
    IF to_regclass('spotcheck_samples') IS NOT NULL THEN
        PERFORM acct_protect('spotcheck_samples', 'acct_in_scope(NULL)');
    END IF;
    IF to_regclass('spotcheck_items') IS NOT NULL THEN
        PERFORM acct_protect('spotcheck_items', 'acct_in_scope(rpad(township_code, 12, ''0''))');
    END IF;
    -- A view runs with its owner's rights unless told otherwise, which would skip the policies above.
    IF to_regclass('inspection_targets') IS NOT NULL THEN
        ALTER VIEW inspection_targets SET (security_invoker = true);
        GRANT SELECT ON inspection_targets TO dixian_app, dixian_app_masked;
    END IF;
END $$;

-- Every other table and view of the schema, from migrations this one does not know: views run with the caller's
-- rights (so the policies under them apply); a table with a village code, natural village or household column is
-- scoped by it (written in scope by every role but the viewer), any other is shared (read by all, written by
-- admins and planners). Secrets get no grant at all. New tables after this migration get
-- nothing until their migration calls acct_protect() or acct_share().
DO $$
DECLARE
    rel record;
    secrets text[] := ARRAY['users', 'user_sessions', 'login_failures', 'audit_log', 'export_log',
                            'inspector_tokens', 'schema_migrations'];
    app_roles text[] := ARRAY['admin', 'county_planner', 'township_officer', 'village_monitor', 'water_bureau'];
BEGIN
    FOR rel IN
        SELECT c.oid::regclass AS tbl, c.relname, c.relkind,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'village_code'
                                                      AND NOT a.attisdropped) AS has_village,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'natural_village_id'
                                                      AND NOT a.attisdropped) AS has_nv,
               EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'household_id'
                                                      AND NOT a.attisdropped) AS has_household
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT c.relname = ANY (secrets) AND c.relname <> 'households_v'
        ORDER BY c.relname
    LOOP
        IF rel.relkind = 'v' THEN
            EXECUTE format('ALTER VIEW %s SET (security_invoker = true)', rel.tbl);
            EXECUTE format('GRANT SELECT ON %s TO dixian_app, dixian_app_masked', rel.tbl);
        ELSIF rel.relkind = 'm' THEN
            -- A materialized view cannot carry policies: only its owner reads it.
            RAISE NOTICE 'materialized view % not granted to the app roles', rel.relname;
        ELSIF (SELECT relrowsecurity FROM pg_class WHERE oid = rel.tbl)
              OR rel.relname IN ('meta', 'admin_units', 'seats', 'dem') THEN
            NULL;  -- done above
        ELSIF rel.has_village THEN
            PERFORM acct_protect(rel.tbl, 'acct_in_scope(village_code)', app_roles);
        ELSIF rel.has_nv THEN
            PERFORM acct_protect(rel.tbl, format(
                'CASE WHEN %1$I.natural_village_id IS NULL THEN acct_in_scope(NULL) ELSE EXISTS (SELECT 1 FROM '
                'natural_villages nv WHERE nv.id = %1$I.natural_village_id AND acct_in_scope(nv.village_code)) END',
                rel.relname), app_roles);
        ELSIF rel.has_household THEN
            PERFORM acct_protect(rel.tbl, format(
                'CASE WHEN %1$I.household_id IS NULL THEN acct_in_scope(NULL) ELSE EXISTS (SELECT 1 FROM '
                'households h WHERE h.id = %1$I.household_id) END', rel.relname), app_roles);
        ELSE
            PERFORM acct_share(rel.tbl);
        END IF;
    END LOOP;
END $$;
