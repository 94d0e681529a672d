-- The layers of the map (shared/DOMAIN.md). Every geometry is stored in CGCS2000 (EPSG:4490) as `geom` and as a
-- metric copy `geom_m` in the Gauss-Krüger zone of the data (SRID recorded in meta.metric_srid), both GiST-indexed.
-- Coded values are stored as English codes; geo/vocab.py holds their Chinese and English labels.
-- `extra` keeps the columns of an imported file that the schema does not name.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE admin_units (
    code        char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    name        text NOT NULL,
    parent_code char(12),
    population  integer CHECK (population >= 0),
    geom        geometry(MultiPolygon, 4490),
    geom_m      geometry(MultiPolygon),
    extra       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_units_parent ON admin_units (parent_code);
CREATE INDEX admin_units_geom ON admin_units USING gist (geom);
CREATE INDEX admin_units_geom_m ON admin_units USING gist (geom_m);

CREATE TABLE seats (
    code        char(12) PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
    level       text NOT NULL CHECK (level IN ('county', 'township', 'village')),
    name        text,
    elevation_m double precision,
    geom        geometry(Point, 4490) NOT NULL,
    geom_m      geometry(Point) NOT NULL,
    extra       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX seats_geom ON seats USING gist (geom);
CREATE INDEX seats_geom_m ON seats USING gist (geom_m);

CREATE TABLE natural_villages (
    id                   text PRIMARY KEY,
    name                 text NOT NULL,
    village_code         char(12),
    households           integer NOT NULL CHECK (households >= 0),
    population           integer CHECK (population >= 0),
    poor_households      integer CHECK (poor_households >= 0),
    monitored_households integer CHECK (monitored_households >= 0),
    ethnic_households    integer CHECK (ethnic_households >= 0),  -- 直过民族 households (Xinping's road criterion)
    elevation_m          double precision,
    geom                 geometry(Point, 4490) NOT NULL,
    geom_m               geometry(Point) NOT NULL,
    extra                jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX natural_villages_village ON natural_villages (village_code);
CREATE INDEX natural_villages_geom ON natural_villages USING gist (geom);
CREATE INDEX natural_villages_geom_m ON natural_villages USING gist (geom_m);

CREATE TABLE households (
    id                 text PRIMARY KEY,
    natural_village_id text NOT NULL REFERENCES natural_villages (id) DEFERRABLE INITIALLY DEFERRED,
    head_name          text,
    members            integer NOT NULL DEFAULT 1 CHECK (members >= 0),
    category           text NOT NULL DEFAULT 'general'
                       CHECK (category IN ('general', 'exited', 'unstable', 'marginal', 'sudden_hardship')),
    monitor_state      text CHECK (monitor_state IN ('identified', 'under_support', 'risk_eliminated')),
    identified_on      date,
    risk_eliminated_on date,
    risk_types         text[] NOT NULL DEFAULT '{}',
    support_contact    text,
    last_visit_on      date,
    elderly_alone      boolean NOT NULL DEFAULT false,
    disabled_members   integer NOT NULL DEFAULT 0 CHECK (disabled_members >= 0),
    id_number          text,   -- personal data: masked in views for roles that do not need it
    phone              text,
    elevation_m        double precision,
    geom               geometry(Point, 4490) NOT NULL,
    geom_m             geometry(Point) NOT NULL,
    extra              jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX households_natural_village ON households (natural_village_id);
CREATE INDEX households_monitored ON households (category) WHERE category IN ('unstable', 'marginal', 'sudden_hardship');
CREATE INDEX households_geom ON households USING gist (geom);
CREATE INDEX households_geom_m ON households USING gist (geom_m);

CREATE TABLE houses (
    id               text PRIMARY KEY,
    household_id     text,
    grade            text CHECK (grade IN ('A', 'B', 'C', 'D')),
    appraised_on     date,
    renovation_state text NOT NULL DEFAULT 'none'
                     CHECK (renovation_state IN ('none', 'planned', 'under_way', 'done', 'safe_occupancy')),
    idle             boolean NOT NULL DEFAULT false,  -- an idle dangerous house must stay empty
    occupied         boolean NOT NULL DEFAULT true,
    elevation_m      double precision,
    geom             geometry(Geometry, 4490) NOT NULL,
    geom_m           geometry(Geometry) NOT NULL,
    extra            jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX houses_household ON houses (household_id);
CREATE INDEX houses_geom ON houses USING gist (geom);
CREATE INDEX houses_geom_m ON houses USING gist (geom_m);

CREATE TABLE water_sources (
    id                  text PRIMARY KEY,
    name                text,
    kind                text NOT NULL DEFAULT 'spring'
                        CHECK (kind IN ('centralised', 'small_scheme', 'well', 'spring', 'cistern', 'emergency')),
    status              text NOT NULL CHECK (status IN ('working', 'seasonal', 'failed', 'contaminated')),
    capacity_m3_per_day double precision CHECK (capacity_m3_per_day >= 0),
    people_served       integer CHECK (people_served >= 0),
    piped_to_home       boolean NOT NULL DEFAULT false,
    disinfection        boolean NOT NULL DEFAULT false,
    guarantee_rate      double precision CHECK (guarantee_rate BETWEEN 0 AND 1),  -- 供水保证率
    water_manager       text,
    village_code        char(12),
    elevation_m         double precision,
    geom                geometry(Point, 4490) NOT NULL,
    geom_m              geometry(Point) NOT NULL,
    protection_zone     geometry(MultiPolygon, 4490),
    protection_zone_m   geometry(MultiPolygon),
    extra               jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX water_sources_status ON water_sources (status);
CREATE INDEX water_sources_geom ON water_sources USING gist (geom);
CREATE INDEX water_sources_geom_m ON water_sources USING gist (geom_m);
CREATE INDEX water_sources_zone_m ON water_sources USING gist (protection_zone_m);

CREATE TABLE roads (
    id          text PRIMARY KEY,
    name        text,
    surface     text NOT NULL CHECK (surface IN ('asphalt', 'cement', 'gravel', 'earth', 'path')),
    class       text CHECK (class IN ('county', 'township', 'village', 'group', 'path')),
    width_m     double precision CHECK (width_m > 0),
    all_season  boolean,
    bus         boolean NOT NULL DEFAULT false,
    hardened    boolean GENERATED ALWAYS AS (surface IN ('asphalt', 'cement')) STORED,
    geom        geometry(LineString, 4490) NOT NULL,
    geom_m      geometry(LineString) NOT NULL,
    extra       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX roads_geom ON roads USING gist (geom);
CREATE INDEX roads_geom_m ON roads USING gist (geom_m);
CREATE INDEX roads_hardened_geom_m ON roads USING gist (geom_m) WHERE hardened;

CREATE TABLE relocation_sites (
    id                     text PRIMARY KEY,
    name                   text,
    village_code           char(12),
    capacity_households    integer CHECK (capacity_households >= 0),
    relocated_households   integer CHECK (relocated_households >= 0),
    facilities             text[] NOT NULL DEFAULT '{}',  -- school, clinic, kindergarten, factory
    elevation_m            double precision,
    geom                   geometry(Geometry, 4490) NOT NULL,
    geom_m                 geometry(Geometry) NOT NULL,
    extra                  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX relocation_sites_geom ON relocation_sites USING gist (geom);
CREATE INDEX relocation_sites_geom_m ON relocation_sites USING gist (geom_m);

CREATE TABLE relocated_households (
    household_id              text PRIMARY KEY,
    site_id                   text NOT NULL REFERENCES relocation_sites (id) DEFERRABLE INITIALLY DEFERRED,
    origin_natural_village_id text,
    relocated_on              date,
    members                   integer CHECK (members >= 0),
    workers_employed          integer NOT NULL DEFAULT 0 CHECK (workers_employed >= 0),
    extra                     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX relocated_households_site ON relocated_households (site_id);

CREATE TABLE assets (
    id                text PRIMARY KEY,
    name              text,
    type              text NOT NULL CHECK (type IN ('operating', 'public_welfare', 'household')),
    category          text,  -- greenhouse, factory, pv_station, road, water_works, clinic, livestock …
    value_yuan        numeric(14, 2) CHECK (value_yuan >= 0),
    fund_source       text,
    completed_on      date,
    accepted_on       date,  -- completion acceptance; registration is due within 3 months of it
    registered_on     date,
    owner             text,
    custodian         text,
    maintenance_state text NOT NULL DEFAULT 'good' CHECK (maintenance_state IN ('good', 'needs_repair', 'broken', 'idle')),
    village_code      char(12),
    elevation_m       double precision,
    geom              geometry(Geometry, 4490) NOT NULL,
    geom_m            geometry(Geometry) NOT NULL,
    extra             jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX assets_geom ON assets USING gist (geom);
CREATE INDEX assets_geom_m ON assets USING gist (geom_m);

-- The DEM, as the GeoTIFF it came in (any CRS), so every client of the database samples the same terrain.
CREATE TABLE dem (
    id          integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    tif         bytea NOT NULL,
    crs         text NOT NULL,
    width       integer NOT NULL,
    height      integer NOT NULL,
    nodata      double precision,
    source_name text,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- Rule sets: named, versioned, every threshold a setting. A county picks its default.
CREATE TABLE rule_sets (
    name        text NOT NULL,
    version     integer NOT NULL CHECK (version > 0),
    title_zh    text NOT NULL,
    title_en    text NOT NULL,
    source      text NOT NULL,  -- the plan the thresholds come from
    settings    jsonb NOT NULL,
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX rule_sets_one_default ON rule_sets ((true)) WHERE is_default;

INSERT INTO rule_sets (name, version, title_zh, title_en, source, settings, is_default) VALUES
('longxian-2021', 1, '陇县 2021（时间、水平、垂直三项均须满足）',
 'Long County 2021 (time, horizontal and vertical must all hold)',
 '陇县 2021 年巩固拓展脱贫攻坚成果实施方案 任务27; 全国农村饮水安全评价准则',
 '{"water_combine": "all", "max_round_trip_min": 20, "max_horizontal_m": 800, "max_vertical_m": 80,
   "min_guarantee_rate": 0.90, "piped_counts_as_compliant": false, "distance_basis": "auto",
   "dry_season": false, "loaded_speed_factor": 0.8, "road_access_m": 200, "min_households_for_road": 30,
   "road_criteria": "households", "rai_distance_m": 2000, "emergency_litres_per_person_day": 20}', true),
('national-2018', 1, '国家标准（入户，或单次取水往返 ≤ 20 分钟）',
 'National standard (piped to the home, or one round trip ≤ 20 min)',
 '农村饮水安全评价准则 (T/CHES 18-2018): 20 分钟视同水平 800 米或垂直 80 米',
 '{"water_combine": "piped_or_time", "max_round_trip_min": 20, "max_horizontal_m": 800, "max_vertical_m": 80,
   "min_guarantee_rate": 0.90, "piped_counts_as_compliant": true, "distance_basis": "auto",
   "dry_season": false, "loaded_speed_factor": 0.8, "road_access_m": 200, "min_households_for_road": 30,
   "road_criteria": "households", "rai_distance_m": 2000, "emergency_litres_per_person_day": 20}', false);
