-- Accounts (issue 7): an owner's job (import, demo) may ask for one summary audit row per bulk INSERT or DELETE
-- statement instead of one row per record, with accounts.scoped.set_actor(cur, label, bulk=True); a million-row
-- load then costs no audit rows. The app roles cannot: their changes are always recorded row by row.
CREATE OR REPLACE FUNCTION acct_audit_rows() RETURNS trigger
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
    -- A bulk load or replace by an owner's job that asked for it: one summary row (how many rows, by whom).
    -- Only for the table owner's own connection, never as an app role (the 'role' setting still names it here).
    IF TG_OP IN ('INSERT', 'DELETE') AND current_setting('dixian.audit_bulk', true) = 'summary'
       AND coalesce(current_setting('role', true), 'none') NOT IN ('dixian_app', 'dixian_app_masked')
       AND pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        EXECUTE format('INSERT INTO audit_log (user_id, user_login, table_name, op, before, after) '
                       'SELECT $1, $2, $3, $4, CASE WHEN $4 = ''DELETE'' THEN x END, '
                       'CASE WHEN $4 = ''INSERT'' THEN x END '
                       'FROM (SELECT jsonb_build_object(''summary'', true, ''rows'', count(*)) AS x FROM %I) s',
                       CASE TG_OP WHEN 'INSERT' THEN 'acct_new' ELSE 'acct_old' END)
        USING uid, ulogin, tname, TG_OP;
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
