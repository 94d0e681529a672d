-- Results of the spatial checks (geo/checks), one current row per subject and rule set, stamped with the rule set's
-- version and the time computed, so that maps and ledgers read them instead of recomputing.

CREATE TABLE water_results (
    rule_set           text NOT NULL,
    rule_version       integer NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    subject            text NOT NULL CHECK (subject IN ('household', 'natural_village')),
    subject_id         text NOT NULL,      -- household id, or natural village id where no households are loaded
    natural_village_id text,
    people             integer,
    source_id          text,               -- the working source that makes it compliant in the least time, else nearest
    horizontal_m       double precision,
    vertical_m         double precision,
    round_trip_min     double precision,
    distance_basis     text CHECK (distance_basis IN ('network', 'straight')),
    horizontal_ok      boolean,            -- NULL: cannot be judged (never true by default)
    vertical_ok        boolean,
    time_ok            boolean,
    piped              boolean,
    compliant          boolean,
    failed_clauses     text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (rule_set, subject, subject_id)
);
CREATE INDEX water_results_nv ON water_results (rule_set, natural_village_id);
CREATE INDEX water_results_source ON water_results (rule_set, source_id);

CREATE TABLE road_results (
    rule_set           text NOT NULL,
    rule_version       integer NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    natural_village_id text NOT NULL,
    households         integer,
    road_id            text,               -- nearest hardened road
    road_distance_m    double precision,
    has_hardened_road  boolean,
    required           boolean,
    gap                boolean,            -- required and not has
    connected_to_seat  boolean,
    network_km_to_seat double precision,
    PRIMARY KEY (rule_set, natural_village_id)
);
