-- water_results partitioned by result label (rule_set): one partition per stored label, so that a rule set's full
-- run replaces its own partition whole (a new table filled by COPY, its indexes built once, attached) and never
-- pays for the other rule sets' rows (issue 16: a second rule set's run cost 1.3–7× the first, deleting and
-- inserting into indexes that held the first one's million rows). Rows of a label without a partition of its own
-- land in the default partition.
--
-- Row-level security stays on the parent: the app reads and writes water_results only, where the policies apply.
-- Partitions carry no policy and no grant, with row-level security enabled: reading one directly is refused to
-- the app roles (a partition does not inherit its parent's policies). geo/checks/water_write.py makes partitions
-- the same way (water_results_partition below).
--
-- The table is rebuilt under its name: indexes, keys, policies, grants and the views over it carried over as the
-- catalog has them (so later changes made by other migrations are kept), the rows copied into their partitions.

CREATE FUNCTION water_results_partition_name(label text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'water_results_' || left(md5(label), 16)
$$;

-- A partition's protection: row-level security with no policy, no grant to anyone but the owner.
CREATE FUNCTION water_results_protect_partition(part regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, dixian_app, dixian_app_masked', part);
END $$;

-- An empty partition for `label`, attached, if it has none (for writers that insert rows one set at a time).
CREATE FUNCTION water_results_partition(label text) RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
    part text := water_results_partition_name(label);
BEGIN
    IF to_regclass(quote_ident(part)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF water_results FOR VALUES IN (%L)', part, label);
        PERFORM water_results_protect_partition(quote_ident(part)::regclass);
    END IF;
    RETURN quote_ident(part)::regclass;
END $$;
REVOKE ALL ON FUNCTION water_results_partition_name(text), water_results_protect_partition(regclass),
    water_results_partition(text) FROM PUBLIC;

DO $$
DECLARE
    r record;
    views record;
    saved jsonb := '[]';
    v jsonb;
    def text;
BEGIN
    -- The views over the table, to be pointed at the new one (their own ids, grants and dependants kept).
    FOR views IN
        SELECT DISTINCT c.oid::regclass AS view, c.reloptions
        FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class c ON c.oid = w.ev_class
        WHERE d.refobjid = 'water_results'::regclass AND c.oid <> 'water_results'::regclass AND c.relkind = 'v'
    LOOP
        saved := saved || jsonb_build_object('view', views.view::text, 'options', to_jsonb(views.reloptions));
    END LOOP;

    ALTER TABLE water_results RENAME TO water_results_unpartitioned;
    CREATE TABLE water_results (LIKE water_results_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                                INCLUDING COMMENTS) PARTITION BY LIST (rule_set);
    -- Keys and indexes as the catalog has them, under their names.
    FOR r IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = 'water_results_unpartitioned'::regclass AND contype IN ('p', 'u') LOOP
        EXECUTE format('ALTER TABLE water_results_unpartitioned RENAME CONSTRAINT %I TO %I', r.conname,
                       r.conname || '_unpartitioned');
        EXECUTE format('ALTER TABLE water_results ADD CONSTRAINT %I %s', r.conname, r.def);
    END LOOP;
    FOR r IN SELECT i.indexrelid::regclass AS idx, c.relname, pg_get_indexdef(i.indexrelid) AS def
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE i.indrelid = 'water_results_unpartitioned'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) LOOP
        EXECUTE format('ALTER INDEX %s RENAME TO %I', r.idx, r.relname || '_unpartitioned');
        EXECUTE replace(r.def, 'water_results_unpartitioned', 'water_results');
    END LOOP;
    CREATE TABLE water_results_default PARTITION OF water_results DEFAULT;
    PERFORM water_results_protect_partition('water_results_default');
    FOR r IN SELECT DISTINCT rule_set FROM water_results_unpartitioned LOOP
        PERFORM water_results_partition(r.rule_set);
    END LOOP;
    INSERT INTO water_results SELECT * FROM water_results_unpartitioned;

    -- Row-level security, policies and grants on the parent, as they were.
    ALTER TABLE water_results ENABLE ROW LEVEL SECURITY;
    IF (SELECT relforcerowsecurity FROM pg_class WHERE oid = 'water_results_unpartitioned'::regclass) THEN
        ALTER TABLE water_results FORCE ROW LEVEL SECURITY;
    END IF;
    FOR r IN SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
             WHERE schemaname = current_schema() AND tablename = 'water_results_unpartitioned' LOOP
        EXECUTE format('CREATE POLICY %I ON water_results AS %s FOR %s TO %s%s%s', r.policyname, r.permissive, r.cmd,
                       (SELECT string_agg(CASE WHEN x = 'public' THEN 'PUBLIC' ELSE quote_ident(x) END, ', ')
                        FROM unnest(r.roles) x),
                       CASE WHEN r.qual IS NULL THEN ''
                            ELSE ' USING (' || replace(r.qual, 'water_results_unpartitioned', 'water_results') || ')' END,
                       CASE WHEN r.with_check IS NULL THEN ''
                            ELSE ' WITH CHECK (' || replace(r.with_check, 'water_results_unpartitioned',
                                                            'water_results') || ')' END);
    END LOOP;
    FOR r IN SELECT a.grantee::regrole AS grantee, a.privilege_type
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = 'water_results_unpartitioned'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0 LOOP
        EXECUTE format('GRANT %s ON water_results TO %s', r.privilege_type, r.grantee);
    END LOOP;

    -- The views, pointed at the new table.
    FOR v IN SELECT * FROM jsonb_array_elements(saved) LOOP
        def := replace(pg_get_viewdef((v ->> 'view')::regclass), 'water_results_unpartitioned', 'water_results');
        EXECUTE format('CREATE OR REPLACE VIEW %s%s AS %s', v ->> 'view',
                       CASE WHEN jsonb_typeof(v -> 'options') = 'array'
                            THEN ' WITH (' || (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(v -> 'options') x)
                                 || ')' ELSE '' END, def);
    END LOOP;
    DROP TABLE water_results_unpartitioned;
END $$;
ANALYZE water_results;
