-- The map's admin-tree views read with the caller's rights, so the row-level security of natural_villages and
-- admin_units (accounts, migrations 5xx) applies through them as it does to the tables themselves.
ALTER VIEW nv_admin SET (security_invoker = true);
ALTER VIEW village_admin SET (security_invoker = true);
