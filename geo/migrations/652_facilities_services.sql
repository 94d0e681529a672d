-- Village services (Hanzhong 2018; Ankang 2020; Xinping 2018): a layer of facilities (village clinic with its
-- doctors' qualification, township health centre, school, kindergarten, bus stop) and the services check's results
-- per administrative village (geo/checks/services.py). A clause that cannot be judged is NULL, never true.
CREATE TABLE facilities (
    id                text PRIMARY KEY,
    name              text,
    kind              text NOT NULL CHECK (kind IN ('village_clinic', 'township_health_centre', 'school',
                                                    'kindergarten', 'bus_stop')),
    village_code      char(12),
    doctors           integer CHECK (doctors >= 0),
    qualified_doctors integer CHECK (qualified_doctors >= 0),   -- with a village doctor's licence (乡村医生执业资格)
    elevation_m       double precision,
    geom              geometry(Point, 4490) NOT NULL,
    geom_m            geometry(Point) NOT NULL,
    extra             jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX facilities_village ON facilities (village_code);
CREATE INDEX facilities_geom ON facilities USING gist (geom);
CREATE INDEX facilities_geom_m ON facilities USING gist (geom_m);
-- Public places, nothing personal: every app role reads them; planners and admins change them.
SELECT acct_share('facilities');
SELECT acct_audit('facilities', 'id', 'geom_m');

CREATE TABLE services_results (
    rule_set          text NOT NULL,
    rule_version      integer NOT NULL,
    computed_at       timestamptz NOT NULL DEFAULT now(),
    village_code      char(12) NOT NULL,
    clinic_ok         boolean,            -- its own clinic with a qualified doctor, or the health centre in reach
    clinic_distance_m double precision,   -- to the nearest qualified clinic or township health centre
    clinic_id         text,
    health_centre_m   double precision,   -- to the nearest township health centre
    distance_basis    text CHECK (distance_basis IN ('network', 'straight')),
    bus_ok            boolean,            -- a bus road by the village or a bus stop in reach
    kindergarten_ok   boolean,            -- judged in poor villages only
    failed_clauses    text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (rule_set, village_code)
);
SELECT acct_protect('services_results', 'acct_in_scope(village_code)');
