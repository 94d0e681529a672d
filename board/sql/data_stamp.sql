-- A number that changes whenever any table of the schema changes: the cache key of the map and the overview.
SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint
FROM pg_stat_user_tables
WHERE schemaname = current_schema();
