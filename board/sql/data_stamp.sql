-- A number that changes whenever the data the pages show changes: the cache key of the map and the overview. The
-- accounts' bookkeeping (sessions touched on every page view, sign-in failures, the audit and export logs, tokens)
-- is left out: counting it changed the stamp on every rerun, so a cached map was never read again. So is the record of
-- who each connection is for (acct_identity, written at every request's start).
SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint
FROM pg_stat_user_tables
WHERE schemaname = current_schema()
  AND relname NOT IN ('user_sessions', 'login_failures', 'audit_log', 'export_log', 'inspector_tokens',
                      'acct_identity');
