"""Every setting of the platform in one place, typed, read from the environment once (pydantic-settings)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "DIXIAN_"


class SettingsError(ValueError):
    """A DIXIAN_* variable whose value is not of its setting's type: one line naming the variable and the type."""


def _others_can_enter(path: Path) -> bool:
    """Whether a user other than the owner may traverse every folder down to `path`."""
    path = path.resolve()
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents) if p.exists())


class Settings(BaseSettings):
    """Settings with their defaults; override any of them with the environment variable DIXIAN_ + its name in
    capitals (DIXIAN_PG_PORT for pg_port), or the one named beside it. An empty variable counts as unset; a value
    that is not of the setting's type is refused (SettingsError) naming the variable and the type."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True,
                                      populate_by_name=True)

    # Database: the project's schema (DIXIAN_SCHEMA; `schema` is a name pydantic keeps for itself, see below),
    # the embedded cluster's folder, binaries, port, OS user and database
    db_schema: str = Field(default="dixian", validation_alias="DIXIAN_SCHEMA")
    var_dir: Path = Field(default=PROJECT_ROOT / "var", validation_alias="DIXIAN_VAR")
    pg_bin: Path = Path("/usr/lib/postgresql/15/bin")
    pg_port: int = 54329
    pg_os_user: str = "dixian"
    pg_database: str = "dixian"
    # The database's login roles (geo/db/roles.py): the owner of the schema, who migrates, loads and checks (not a
    # superuser), and the app's own login, which owns nothing and may only SET ROLE to the app roles below
    pg_owner_role: str = "dixian_owner"
    app_login_role: str = "dixian_web"
    # connections the one server process keeps per database URL (pages and the field API share them)
    db_pool_size: int = 20
    # Serving (python -m geo serve): the address to listen on (this machine only, unless set: 0.0.0.0 for every
    # address), the reverse proxies whose X-Forwarded-For/-Proto are believed (comma-separated addresses; none by
    # default), and whether the session cookie is Secure (and __Host- named) whatever the request's scheme says
    app_port: int = 8501
    host: str = "127.0.0.1"
    trusted_proxies: str = ""
    secure_cookies: bool = False
    # how long a download a page prepared can be fetched (accounts.downloads)
    download_minutes: float = 30
    language: str = Field(default="zh", validation_alias="DIXIAN_LANG")
    # command lines: a failure shows its whole traceback instead of one line
    debug: bool = False

    # Dataset import (geo/importer.py, geo/validate.py): the frame of files that name none, how many lines to print
    # per problem and file before summarising, China's box (lon/lat) and how far outside the data's extent (degrees)
    # a point must fall before a latitude/longitude swap is suspected.
    import_default_crs: str = "EPSG:4326"
    import_problem_lines: int = 20
    import_china_box: ClassVar[tuple] = (73.0, 3.0, 136.0, 54.0)
    import_swap_margin_deg: float = Field(default=0.5, validation_alias="DIXIAN_IMPORT_SWAP_MARGIN")
    # A layer with at least this many rows is loaded with its secondary indexes dropped and built again afterwards.
    import_bulk_rows: int = 50000

    # The checks on a Dask cluster (python -m geo check water|roads --engine dask, geo/checks/distributed.py): the
    # engine the check command uses by default (local: this process; dask), the scheduler's address (empty: a
    # LocalCluster on this machine with check_dask_workers processes, 0 for one per core) and about how many
    # subjects one partition (one task) holds
    check_engine: Literal["local", "dask"] = "local"
    check_dask_scheduler: str = ""
    check_dask_workers: int = 0
    check_dask_partition_subjects: int = 100_000

    # Field inspections (inspections/): photo store, upload limit, validation thresholds, schedule intervals
    photo_dir: Path = PROJECT_ROOT / "var" / "photos"
    upload_max_bytes: int = 20 * 1024 * 1024
    # a photo whose header claims more pixels is refused before decoding (an image bomb); phones take up to ~50 MP
    photo_max_pixels: int = 64_000_000
    gps_max_accuracy_m: float = 50
    max_travel_kmh: float = 120
    photo_time_slack_s: int = 60
    phash_max_distance: int = 4
    # metres from the target within which a visit counts as on site, per kind of target (not from the environment)
    target_radius_m: ClassVar[dict] = {"household": 100.0, "house": 100.0, "water_source": 200.0,
                                       "relocation_site": 300.0, "asset": 200.0, "road": 200.0}
    visit_monitored_days: int = 30
    visit_household_days: int = 365
    patrol_water_works_days: int = 30
    patrol_protection_zone_days: int = Field(default=90, validation_alias="DIXIAN_PATROL_ZONE_DAYS")
    check_idle_house_days: int = 90
    tasks_near_limit: int = 50
    spotcheck_rate: float = 0.1
    # The offline field app (static/field/, inspections/fieldwork.py): targets in one download (due ones first), and
    # the JPEG quality of photos the phone shrinks to its form's max-pixels
    field_max_targets: int = 20000
    field_photo_quality: float = 0.9

    # Planner's map and dashboard (layers/, views/): payload guard, geometry detail, basemaps, cache
    map_max_features: int = 3000
    map_grid_deg: float = 0.02
    map_simplify_deg: float = 0.0002
    map_coord_decimals: int = 5
    map_cache_ttl_s: int = 600
    # Vector tiles (layers/tiles.py, board/tileserver.py): households one by one from this zoom (below it counted per
    # natural village), and the memory kept for tiles made (per data stamp and user)
    map_tile_detail_zoom: int = 14
    map_tile_cache_mb: int = 64
    local_tiles_url: str = ""  # e.g. /app/static/tiles/{z}/{x}/{y}.png
    local_tiles_attribution: str = ""
    tianditu_key: str = ""
    rectify_due_days: ClassVar[dict] = {"water": 90, "road": 365, "housing": 180, "asset": 30, "inspection": 30,
                                        "works": 90}

    # Accounts (accounts/): sessions, login slowing, the app's database roles, API limits
    session_hours: float = 12
    api_token_days: float = 30
    # an ODK Collect key (in the server URL Collect is given, so more exposed than a bearer token) lives this long
    odk_key_days: float = 7
    # a renewed bearer token's predecessor still works this long, so an answer lost on the way costs no sign-in
    api_token_renew_grace_minutes: float = 60
    password_min_length: int = 10
    # argon2id cost (RFC 9106 low-memory defaults); a stored hash with other parameters is redone at next login
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    login_window_minutes: float = 15
    login_free_failures: int = 3
    login_delay_base_s: float = 2
    login_delay_max_s: float = 300
    login_lockout_failures: int = 10
    login_lockout_minutes: float = 15
    client_free_failures: int = 20
    app_db_role: str = "dixian_app"
    app_db_role_masked: str = "dixian_app_masked"
    # A login role that is a member of both app roles; unset means the app's connections use DATABASE_URL's user.
    app_database_url: str | None = None
    api_requests_per_minute: int = 120
    api_max_body_bytes: int = 25 * 1024 * 1024

    # Water bureau's planning (waterplan/): emergency supply, trucks, repair priority, new sources
    # what a source's own users draw per person per day (spare = capacity − people served × this)
    plan_users_litres_per_person_day: float = Field(default=20, validation_alias="DIXIAN_PLAN_USERS_LITRES")
    plan_dry_capacity_factor: float = 0.6
    plan_truck_m3: float = 5
    plan_truck_min_width_m: float = 3.0
    plan_truck_surfaces: ClassVar[tuple] = ("asphalt", "cement", "gravel")
    # truck speed per road class (km/h); "other" for roads of no class
    plan_truck_kmh: ClassVar[dict] = {"county": 40.0, "township": 30.0, "village": 20.0, "group": 15.0,
                                      "path": 10.0, "other": 20.0}
    plan_truck_load_min: float = 30
    plan_working_day_h: float = 8
    plan_drop_spacing_m: float = 50
    plan_source_road_m: float = 300
    plan_truck_max_km: float = 80
    plan_grid_m: float = 400
    plan_milp_seconds: float = 10

    def __init__(self, **values):
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise SettingsError("; ".join(_refusal(type(self), e) for e in err.errors())) from None

    @property
    def schema(self) -> str:  # noqa: D401 (BaseModel.schema() is pydantic's deprecated method; ours wins here)
        """The database schema the project's tables live in (DIXIAN_SCHEMA)."""
        return self.db_schema

    @property
    def database_url(self) -> str | None:
        """DATABASE_URL, read when asked (tests point it at a fresh database); unset means the embedded cluster."""
        return os.environ.get("DATABASE_URL") or None

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
    def pgpass(self) -> Path:
        """The generated passwords of the login roles, in libpq's password-file format, readable by its owner only
        (var/secrets/pgpass, mode 0600): the URLs name it (passfile=) instead of carrying a password."""
        return self.var_dir / "secrets" / "pgpass"

    @property
    def url(self) -> str:
        """The owner's connection URL: DATABASE_URL, or the embedded cluster's owner role."""
        if self.database_url:
            return self.database_url
        return (f"postgresql://{self.pg_owner_role}@127.0.0.1:{self.pg_port}/{self.pg_database}"
                f"?{urlencode({'passfile': str(self.pgpass)})}")

    def app_url(self, url: str | None = None) -> str:
        """The app's connection URL to the database of `url` (default: the one in force): the same server and
        database as the app's login role, its password from the password file. DIXIAN_APP_DATABASE_URL, when set,
        wins for the default database."""
        if url is None and self.app_database_url:
            return self.app_database_url
        parts = urlsplit(url or self.url)
        if parts.scheme not in ("postgres", "postgresql") or parts.hostname is None:
            return url or self.url
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        netloc = f"{quote(self.app_login_role)}@{host}" + (f":{parts.port}" if parts.port else "")
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password", "passfile")]
        query.append(("passfile", str(self.pgpass)))
        return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


_KINDS = {int: "an integer", float: "a number", bool: "true or false", Path: "a path", str: "text"}


def env_name(cls: type[Settings], field: str) -> str:
    """The environment variable a setting is read from."""
    alias = cls.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


def _refusal(cls: type[Settings], error: dict) -> str:
    """One pydantic error as 'DIXIAN_PG_PORT='abc': expected an integer'."""
    loc = str(error["loc"][0]) if error.get("loc") else ""
    field = next((name for name, f in cls.model_fields.items() if loc in (name, f.validation_alias)), None)
    if field is None:
        return error["msg"]
    kind = cls.model_fields[field].annotation
    kind = kind if kind in _KINDS else next((t for t in _KINDS if isinstance(kind, type) and issubclass(kind, t)), str)
    return f"{env_name(cls, field)}={error.get('input')!r}: expected {_KINDS[kind]}"


def __getattr__(name: str):
    """`settings`, read from the environment at its first use (PEP 562): a command line asks for it inside its
    error handling, so a bad value is reported there as one line."""
    if name == "settings":
        value = globals()["settings"] = Settings()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
