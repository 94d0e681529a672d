"""Every setting of the platform in one place, read from the environment once."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _others_can_enter(path: Path) -> bool:
    """Whether a user other than the owner may traverse every folder down to `path`."""
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents) if p.exists())


@dataclass(frozen=True)
class Settings:
    """Settings with their defaults; override any of them with the DIXIAN_* environment variable named beside it."""

    schema: str = field(default_factory=lambda: _env("DIXIAN_SCHEMA", "dixian"))
    var_dir: Path = field(default_factory=lambda: Path(_env("DIXIAN_VAR", str(PROJECT_ROOT / "var"))))
    pg_bin: Path = field(default_factory=lambda: Path(_env("DIXIAN_PG_BIN", "/usr/lib/postgresql/15/bin")))
    pg_port: int = field(default_factory=lambda: int(_env("DIXIAN_PG_PORT", "54329")))
    pg_os_user: str = field(default_factory=lambda: _env("DIXIAN_PG_OS_USER", "dixian"))
    pg_database: str = field(default_factory=lambda: _env("DIXIAN_PG_DATABASE", "dixian"))
    # connections the one server process keeps per database URL (pages and the field API share them)
    db_pool_size: int = field(default_factory=lambda: int(_env("DIXIAN_DB_POOL_SIZE", "20")))
    # The frame data is stored in (CGCS2000 geographic); metric copies go to the Gauss-Krüger zone of the data.
    storage_srid: int = 4490
    # Streamlit app
    app_port: int = field(default_factory=lambda: int(_env("DIXIAN_APP_PORT", "8501")))
    language: str = field(default_factory=lambda: _env("DIXIAN_LANG", "zh"))

    # Dataset import (geo/importer.py, geo/validate.py): the frame of files that name none, how many lines to print
    # per problem and file before summarising, China's box (lon/lat) and how far outside the data's extent (degrees)
    # a point must fall before a latitude/longitude swap is suspected.
    import_default_crs: str = field(default_factory=lambda: _env("DIXIAN_IMPORT_DEFAULT_CRS", "EPSG:4326"))
    import_problem_lines: int = field(default_factory=lambda: int(_env("DIXIAN_IMPORT_PROBLEM_LINES", "20")))
    import_china_box: tuple = (73.0, 3.0, 136.0, 54.0)
    import_swap_margin_deg: float = field(default_factory=lambda: float(_env("DIXIAN_IMPORT_SWAP_MARGIN", "0.5")))
    # A layer with at least this many rows is loaded with its secondary indexes dropped and built again afterwards.
    import_bulk_rows: int = field(default_factory=lambda: int(_env("DIXIAN_IMPORT_BULK_ROWS", "50000")))

    # Field inspections (inspections/): photo store, upload limit, validation thresholds, schedule intervals
    photo_dir: Path = field(default_factory=lambda: Path(_env("DIXIAN_PHOTO_DIR", str(PROJECT_ROOT / "var" / "photos"))))
    upload_max_bytes: int = field(default_factory=lambda: int(_env("DIXIAN_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024))))
    gps_max_accuracy_m: float = field(default_factory=lambda: float(_env("DIXIAN_GPS_MAX_ACCURACY_M", "50")))
    max_travel_kmh: float = field(default_factory=lambda: float(_env("DIXIAN_MAX_TRAVEL_KMH", "120")))
    photo_time_slack_s: int = field(default_factory=lambda: int(_env("DIXIAN_PHOTO_TIME_SLACK_S", "60")))
    phash_max_distance: int = field(default_factory=lambda: int(_env("DIXIAN_PHASH_MAX_DISTANCE", "4")))
    # metres from the target within which a visit counts as on site, per kind of target
    target_radius_m: dict = field(default_factory=lambda: {
        "household": 100.0, "house": 100.0, "water_source": 200.0, "relocation_site": 300.0,
        "asset": 200.0, "road": 200.0})
    visit_monitored_days: int = field(default_factory=lambda: int(_env("DIXIAN_VISIT_MONITORED_DAYS", "30")))
    visit_household_days: int = field(default_factory=lambda: int(_env("DIXIAN_VISIT_HOUSEHOLD_DAYS", "365")))
    patrol_water_works_days: int = field(default_factory=lambda: int(_env("DIXIAN_PATROL_WATER_WORKS_DAYS", "30")))
    patrol_protection_zone_days: int = field(default_factory=lambda: int(_env("DIXIAN_PATROL_ZONE_DAYS", "90")))
    check_idle_house_days: int = field(default_factory=lambda: int(_env("DIXIAN_CHECK_IDLE_HOUSE_DAYS", "90")))
    tasks_near_limit: int = field(default_factory=lambda: int(_env("DIXIAN_TASKS_NEAR_LIMIT", "50")))
    spotcheck_rate: float = field(default_factory=lambda: float(_env("DIXIAN_SPOTCHECK_RATE", "0.1")))
    # The offline field app (static/field/, inspections/fieldwork.py): targets in one download (due ones first), and
    # the JPEG quality of photos the phone shrinks to its form's max-pixels
    field_max_targets: int = field(default_factory=lambda: int(_env("DIXIAN_FIELD_MAX_TARGETS", "20000")))
    field_photo_quality: float = field(default_factory=lambda: float(_env("DIXIAN_FIELD_PHOTO_QUALITY", "0.9")))

    # Planner's map and dashboard (layers/, views/): payload guard, geometry detail, basemaps, cache
    map_max_features: int = field(default_factory=lambda: int(_env("DIXIAN_MAP_MAX_FEATURES", "3000")))
    map_grid_deg: float = field(default_factory=lambda: float(_env("DIXIAN_MAP_GRID_DEG", "0.02")))
    map_simplify_deg: float = field(default_factory=lambda: float(_env("DIXIAN_MAP_SIMPLIFY_DEG", "0.0002")))
    map_coord_decimals: int = field(default_factory=lambda: int(_env("DIXIAN_MAP_COORD_DECIMALS", "5")))
    map_cache_ttl_s: int = field(default_factory=lambda: int(_env("DIXIAN_MAP_CACHE_TTL_S", "600")))
    local_tiles_url: str = field(default_factory=lambda: _env("DIXIAN_LOCAL_TILES_URL", ""))  # e.g. /app/static/tiles/{z}/{x}/{y}.png
    local_tiles_attribution: str = field(default_factory=lambda: _env("DIXIAN_LOCAL_TILES_ATTRIBUTION", ""))
    tianditu_key: str = field(default_factory=lambda: _env("DIXIAN_TIANDITU_KEY", ""))
    rectify_due_days: dict = field(default_factory=lambda: {"water": 90, "road": 365, "housing": 180, "asset": 30})

    # Accounts (accounts/): sessions, login slowing, the app's database roles, API limits
    session_hours: float = field(default_factory=lambda: float(_env("DIXIAN_SESSION_HOURS", "12")))
    api_token_days: float = field(default_factory=lambda: float(_env("DIXIAN_API_TOKEN_DAYS", "30")))
    # a renewed bearer token's predecessor still works this long, so an answer lost on the way costs no sign-in
    api_token_renew_grace_minutes: float = field(default_factory=lambda: float(_env("DIXIAN_API_TOKEN_RENEW_GRACE_MINUTES",
                                                                                    "60")))
    password_min_length: int = field(default_factory=lambda: int(_env("DIXIAN_PASSWORD_MIN_LENGTH", "10")))
    # argon2id cost (RFC 9106 low-memory defaults); a stored hash with other parameters is redone at next login
    argon2_time_cost: int = field(default_factory=lambda: int(_env("DIXIAN_ARGON2_TIME_COST", "3")))
    argon2_memory_kib: int = field(default_factory=lambda: int(_env("DIXIAN_ARGON2_MEMORY_KIB", "65536")))
    login_window_minutes: float = field(default_factory=lambda: float(_env("DIXIAN_LOGIN_WINDOW_MINUTES", "15")))
    login_free_failures: int = field(default_factory=lambda: int(_env("DIXIAN_LOGIN_FREE_FAILURES", "3")))
    login_delay_base_s: float = field(default_factory=lambda: float(_env("DIXIAN_LOGIN_DELAY_BASE_S", "2")))
    login_delay_max_s: float = field(default_factory=lambda: float(_env("DIXIAN_LOGIN_DELAY_MAX_S", "300")))
    login_lockout_failures: int = field(default_factory=lambda: int(_env("DIXIAN_LOGIN_LOCKOUT_FAILURES", "10")))
    login_lockout_minutes: float = field(default_factory=lambda: float(_env("DIXIAN_LOGIN_LOCKOUT_MINUTES", "15")))
    client_free_failures: int = field(default_factory=lambda: int(_env("DIXIAN_CLIENT_FREE_FAILURES", "20")))
    app_db_role: str = field(default_factory=lambda: _env("DIXIAN_APP_DB_ROLE", "dixian_app"))
    app_db_role_masked: str = field(default_factory=lambda: _env("DIXIAN_APP_DB_ROLE_MASKED", "dixian_app_masked"))
    # A login role that is a member of both app roles; unset means the app's connections use DATABASE_URL's user.
    app_database_url: str | None = field(default_factory=lambda: _env("DIXIAN_APP_DATABASE_URL"))
    api_requests_per_minute: int = field(default_factory=lambda: int(_env("DIXIAN_API_REQUESTS_PER_MINUTE", "120")))
    api_max_body_bytes: int = field(default_factory=lambda: int(_env("DIXIAN_API_MAX_BODY_BYTES",
                                                                     str(25 * 1024 * 1024))))

    # Water bureau's planning (waterplan/): emergency supply, trucks, repair priority, new sources
    # what a source's own users draw per person per day (spare = capacity − people served × this)
    plan_users_litres_per_person_day: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_USERS_LITRES", "20")))
    plan_dry_capacity_factor: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_DRY_CAPACITY_FACTOR", "0.6")))
    plan_truck_m3: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_TRUCK_M3", "5")))
    plan_truck_min_width_m: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_TRUCK_MIN_WIDTH_M", "3.0")))
    plan_truck_surfaces: tuple = ("asphalt", "cement", "gravel")
    # truck speed per road class (km/h); "other" for roads of no class
    plan_truck_kmh: dict = field(default_factory=lambda: {"county": 40.0, "township": 30.0, "village": 20.0,
                                                          "group": 15.0, "path": 10.0, "other": 20.0})
    plan_truck_load_min: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_TRUCK_LOAD_MIN", "30")))
    plan_working_day_h: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_WORKING_DAY_H", "8")))
    plan_drop_spacing_m: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_DROP_SPACING_M", "50")))
    plan_source_road_m: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_SOURCE_ROAD_M", "300")))
    plan_truck_max_km: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_TRUCK_MAX_KM", "80")))
    plan_grid_m: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_GRID_M", "400")))
    plan_milp_seconds: float = field(default_factory=lambda: float(_env("DIXIAN_PLAN_MILP_SECONDS", "10")))

    @property
    def database_url(self) -> str | None:
        """DATABASE_URL, read when asked (tests point it at a fresh database); unset means the embedded cluster."""
        return _env("DATABASE_URL")

    @property
    def pgdata(self) -> Path:
        """The embedded cluster's folder: var/pgdata, unless the cluster's owner (root runs it as pg_os_user)
        could not walk into var/ — a clone under /root, say — then a folder of its own under /var/lib/dixian."""
        if os.geteuid() == 0 and not _others_can_enter(self.var_dir.parent):
            digest = hashlib.sha1(str(self.var_dir).encode()).hexdigest()[:12]
            return Path("/var/lib/dixian") / digest / "pgdata"
        return self.var_dir / "pgdata"

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def url(self) -> str:
        """The connection URL in force: DATABASE_URL, or the embedded cluster's."""
        if self.database_url:
            return self.database_url
        return f"postgresql://{self.pg_os_user}@127.0.0.1:{self.pg_port}/{self.pg_database}"


settings = Settings()
