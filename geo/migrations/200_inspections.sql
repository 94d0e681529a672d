-- Field inspections (issue 5): inspectors and their API tokens, inspections with their flags and photos, the review
-- chain's append-only audit log, rectification items (整改) and county spot checks (县级抽查).

-- Until accounts (issue 7) exist, inspectors are people with a role and a 12-digit scope code; the accounts module
-- can absorb this table (same id, role and scope) and keep the tokens.
CREATE TABLE inspectors (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('inspector', 'village', 'township', 'county', 'admin')),
    scope_code  char(12) NOT NULL CHECK (scope_code ~ '^[0-9]{12}$'),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Only the sha256 of a token is kept; the secret is shown once when it is created.
CREATE TABLE inspector_tokens (
    token_sha256 char(64) PRIMARY KEY,
    inspector_id bigint NOT NULL REFERENCES inspectors (id),
    label        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX inspector_tokens_inspector ON inspector_tokens (inspector_id);

-- Everything that can be inspected, with its village and geometry, in one shape.
CREATE VIEW inspection_targets AS
    SELECT 'household'::text AS target_kind, h.id AS target_id, nv.village_code, h.geom, h.geom_m,
           coalesce(h.head_name, h.id) AS label
    FROM households h LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
    UNION ALL
    SELECT 'house', ho.id, nv.village_code, ho.geom, ho.geom_m, ho.id
    FROM houses ho LEFT JOIN households h ON h.id = ho.household_id
                   LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
    UNION ALL
    SELECT 'water_source', id, village_code, geom, geom_m, coalesce(name, id) FROM water_sources
    UNION ALL
    SELECT 'relocation_site', id, village_code, geom, geom_m, coalesce(name, id) FROM relocation_sites
    UNION ALL
    SELECT 'asset', id, village_code, geom, geom_m, coalesce(name, id) FROM assets
    UNION ALL
    SELECT 'road', id, NULL::char(12), geom, geom_m, coalesce(name, id) FROM roads;

-- One inspection; its id is the UUID the client generated, so a retried upload finds its first copy.
CREATE TABLE inspections (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL,
    target_kind    text NOT NULL CHECK (target_kind IN ('household', 'house', 'water_source', 'relocation_site',
                                                        'asset', 'road')),
    target_id      text NOT NULL,
    village_code   char(12),
    inspector_id   bigint NOT NULL REFERENCES inspectors (id),
    answers        jsonb NOT NULL DEFAULT '{}',
    result         text NOT NULL CHECK (result IN ('pass', 'fail')),
    review_state   text NOT NULL DEFAULT 'submitted'
                   CHECK (review_state IN ('submitted', 'village_verified', 'township_reviewed', 'county_confirmed',
                                           'returned')),
    started_at     timestamptz NOT NULL,
    submitted_at   timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    utc_offset_min integer NOT NULL DEFAULT 480 CHECK (utc_offset_min BETWEEN -720 AND 840),
    accuracy_m     double precision CHECK (accuracy_m >= 0),
    geom           geometry(Point, 4490) NOT NULL,
    geom_m         geometry(Point) NOT NULL,
    reinspection_of uuid REFERENCES inspections (id),
    CHECK (submitted_at >= started_at)
);
CREATE INDEX inspections_target ON inspections (target_kind, target_id, submitted_at);
CREATE INDEX inspections_inspector ON inspections (inspector_id, started_at);
CREATE INDEX inspections_village ON inspections (village_code);
CREATE INDEX inspections_geom ON inspections USING gist (geom);
CREATE INDEX inspections_geom_m ON inspections USING gist (geom_m);

-- Validation flags: stored, shown to reviewers, never blocking.
CREATE TABLE inspection_flags (
    inspection_id uuid NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    code          text NOT NULL,
    detail        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (inspection_id, code, detail)
);

-- Photo metadata; the bytes live content-addressed under settings.photo_dir.
CREATE TABLE inspection_photos (
    inspection_id uuid NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    sha256        char(64) NOT NULL,
    phash         bigint,
    bytes         bigint NOT NULL,
    format        text NOT NULL,
    lat           double precision,
    lon           double precision,
    altitude_m    double precision,
    accuracy_m    double precision,
    time_utc      timestamptz,
    time_local    text,
    make          text,
    model         text,
    PRIMARY KEY (inspection_id, sha256)
);
CREATE INDEX inspection_photos_sha ON inspection_photos (sha256);

-- The review chain's audit log: append-only, enforced by triggers.
CREATE TABLE review_log (
    id            bigserial PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    actor_id      bigint NOT NULL REFERENCES inspectors (id),
    actor_role    text NOT NULL,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    from_state    text,
    to_state      text NOT NULL,
    reason        text
);
CREATE INDEX review_log_inspection ON review_log (inspection_id, id);

CREATE FUNCTION review_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER review_log_no_update BEFORE UPDATE OR DELETE ON review_log
    FOR EACH ROW EXECUTE FUNCTION review_log_append_only();
CREATE TRIGGER review_log_no_truncate BEFORE TRUNCATE ON review_log
    FOR EACH STATEMENT EXECUTE FUNCTION review_log_append_only();

-- Rectification items (整改): opened by a failing check on a target, closed (销号) by a later passing one.
CREATE TABLE rectifications (
    id             bigserial PRIMARY KEY,
    target_kind    text NOT NULL,
    target_id      text NOT NULL,
    kind           text NOT NULL,
    opened_by      uuid NOT NULL REFERENCES inspections (id),
    opened_at      timestamptz NOT NULL,
    closed_by      uuid REFERENCES inspections (id),
    closed_at      timestamptz
);
CREATE UNIQUE INDEX rectifications_one_open ON rectifications (target_kind, target_id, kind) WHERE closed_at IS NULL;

-- County spot checks: a drawn sample of verified inspections and, when done, the re-inspection of each.
CREATE TABLE spotcheck_samples (
    id          bigserial PRIMARY KEY,
    seed        bigint NOT NULL,
    rate        double precision NOT NULL,
    drawn_by    bigint REFERENCES inspectors (id),
    drawn_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE spotcheck_items (
    sample_id     bigint NOT NULL REFERENCES spotcheck_samples (id),
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    township_code char(9),
    PRIMARY KEY (sample_id, inspection_id)
);
