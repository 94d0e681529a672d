"""The embedded PostgreSQL + PostGIS cluster under var/: create, start, stop, status, remove.

initdb refuses to run as root, so under root the cluster belongs to an unprivileged system user
(settings.pg_os_user), created on first use, and every server command runs as that user.

No login without a password over TCP: pg_hba.conf allows scram-sha-256 from 127.0.0.1 and, for the bootstrap
superuser only, peer authentication on a Unix socket inside the cluster's own folder (mode 0700), so only the
cluster's OS user reaches it. Every start makes sure of the roles (geo/db/roles.py): the owner, which migrates and is
no superuser, and the app's login; the extensions the owner may not create are made in template1 by the superuser.
"""
from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ..settings import Settings, settings as default_settings
from .roles import ident, roles_sql


class ClusterError(RuntimeError):
    """The embedded cluster could not be brought to the asked state; the message says what to do."""


def _as_owner(cfg: Settings, argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", cfg.pg_os_user, "--", *argv]
    return argv


def _run(cfg: Settings, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(_as_owner(cfg, argv), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise ClusterError(f"{Path(argv[0]).name} failed: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    return proc


def _ensure_os_user(cfg: Settings) -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(cfg.pg_os_user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", cfg.pg_os_user],
                       check=True)


def _own(cfg: Settings, path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, cfg.pg_os_user, cfg.pg_os_user)


def _check_reachable(cfg: Settings, folder: Path) -> None:
    """The cluster's owner must be able to walk down to its folder; say which folder blocks it."""
    if os.geteuid() != 0:
        return
    probe = subprocess.run(["runuser", "-u", cfg.pg_os_user, "--", "test", "-x", str(folder)])
    if probe.returncode != 0:
        raise ClusterError(f"user {cfg.pg_os_user} cannot reach {folder}: make its parent folders "
                           f"world-executable (chmod o+x) or set DIXIAN_VAR to a folder it can reach")


def initialised(cfg: Settings = default_settings) -> bool:
    return (cfg.pgdata / "PG_VERSION").exists()


def running(cfg: Settings = default_settings) -> bool:
    if not initialised(cfg):
        return False
    return _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "status"], check=False).returncode == 0


def init(cfg: Settings = default_settings) -> None:
    if initialised(cfg):
        return
    if not (cfg.pg_bin / "initdb").exists():
        raise ClusterError(f"no PostgreSQL server binaries in {cfg.pg_bin}: run `make setup` "
                           f"(installs postgresql-15, postgis and pgrouting)")
    _ensure_os_user(cfg)
    home = cfg.pgdata.parent
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o755)
    _check_reachable(cfg, home)
    cfg.pgdata.mkdir(mode=0o700, exist_ok=True)
    _own(cfg, cfg.pgdata)
    # Collation C: byte order, which for UTF-8 is code-point order, the same order C.UTF-8 gives, but compared with
    # memcmp instead of libc; text-keyed index builds (water_results' keys) are several times faster.
    _run(cfg, [str(cfg.pg_bin / "initdb"), "-D", str(cfg.pgdata), "-U", cfg.pg_os_user, "--auth-local=peer",
               "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--lc-collate=C"])
    with open(cfg.pgdata / "postgresql.conf", "a") as conf:
        # No port here: it is given on every start (DIXIAN_PG_PORT holds whatever the cluster was made with).
        conf.write(f"\n# Dixian embedded cluster\nlisten_addresses = '127.0.0.1'\n"
                   f"unix_socket_directories = ''\nmax_connections = 200\nshared_buffers = 512MB\n"
                   f"work_mem = 64MB\nmaintenance_work_mem = 512MB\nfsync = on\n"
                   f"timezone = 'Asia/Shanghai'\nmax_wal_size = 4GB\n")


def _write_hba(cfg: Settings) -> bool:
    """pg_hba.conf and pg_ident.conf as above (clusters made with --auth=trust before are closed the same way);
    whether anything changed."""
    os_user = cfg.pg_os_user if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    files = {"pg_hba.conf": f"# Dixian: the superuser only by peer on the cluster's own socket; everyone else with a "
                            f"password over TCP from this machine\n"
                            f"local all {cfg.pg_os_user} peer map=dixian\n"
                            f"host  all all 127.0.0.1/32 scram-sha-256\n",
             "pg_ident.conf": f"dixian {os_user} {cfg.pg_os_user}\n"}
    changed = False
    for name, text in files.items():
        path = cfg.pgdata / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            os.chmod(path, 0o600)
            _own(cfg, path)
            changed = True
    return changed


def _socket(cfg: Settings, port: int) -> Path:
    return cfg.pgdata / f".s.PGSQL.{port}"


def _superuser_sql(cfg: Settings, sql: str) -> None:
    """Run psql script `sql` as the bootstrap superuser on the cluster's socket (stdin: no secret in a process list)."""
    proc = subprocess.run(_as_owner(cfg, [str(cfg.pg_bin / "psql"), "-h", str(cfg.pgdata), "-p", str(cfg.pg_port),
                                          "-U", cfg.pg_os_user, "-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]),
                          input=sql, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ClusterError(f"setting up the cluster's roles failed: {(proc.stderr or proc.stdout).strip()[-500:]}")


# Objects of the project's database still owned by the bootstrap superuser (a cluster made before the owner role
# existed) pass to the owner, so its migrations can change them; extension members and owned sequences stay.
_HAND_OVER = r"""
DO $$
DECLARE
    su oid := (SELECT oid FROM pg_roles WHERE rolname = current_user);
    r record;
BEGIN
    FOR r IN SELECT nspname FROM pg_namespace WHERE nspowner = su AND nspname NOT LIKE 'pg\_%%'
                AND nspname NOT IN ('information_schema', 'public') LOOP
        EXECUTE format('ALTER SCHEMA %%I OWNER TO %%I', r.nspname, :'owner');
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relowner = su AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname <> 'information_schema'
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                          AND d.deptype IN ('e', 'a', 'i')) LOOP
        EXECUTE format('ALTER %%s %%s OWNER TO %%I', CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN
                       'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                       r.rel, :'owner');
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE p.proowner = su AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname <> 'information_schema'
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                                          AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', r.fn, :'owner');
    END LOOP;
    FOR r IN SELECT t.oid::regtype AS ty FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE t.typowner = su AND t.typtype IN ('e', 'd', 'r') AND n.nspname NOT LIKE 'pg\_%%'
                AND n.nspname <> 'information_schema'
                AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                                                          AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER TYPE %%s OWNER TO %%I', r.ty, :'owner');
    END LOOP;
END $$;
"""


# In public, whatever schema the search path would name first (a schema called like the superuser, say).
_EXTENSIONS = ("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public;",
               "CREATE EXTENSION IF NOT EXISTS pgrouting SCHEMA public;")


def _bootstrap(cfg: Settings) -> None:
    """As the superuser: the roles, the extensions in template1 (so databases the owner makes have them), and the
    project's database, owned by the owner."""
    db, owner = cfg.pg_database, cfg.pg_owner_role
    script = [roles_sql(cfg, owner=True),
              "\\c template1",
              *_EXTENSIONS,
              f"SELECT format('CREATE DATABASE %I OWNER %I', '{db}', '{owner}') "
              f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{db}') \\gexec",
              f"ALTER DATABASE {ident(db)} OWNER TO {ident(owner)};",
              f"\\c {ident(db)}",
              *_EXTENSIONS,
              _HAND_OVER.replace("%%", "%").replace(":'owner'", f"'{owner}'")]
    _superuser_sql(cfg, "\n".join(script) + "\n")


def running_port(cfg: Settings = default_settings) -> int | None:
    """The port the running cluster listens on (postmaster.pid's fourth line), None when it is not running."""
    if not running(cfg):
        return None
    try:
        return int((cfg.pgdata / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, IndexError, ValueError):
        return None


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_error(cfg: Settings) -> ClusterError:
    return ClusterError(f"port {cfg.pg_port} on 127.0.0.1 is held by another server (another checkout's cluster?): "
                        f"set DIXIAN_PG_PORT to a free port")


def start(cfg: Settings = default_settings) -> None:
    """Create the cluster if needed, start it on DIXIAN_PG_PORT (restarting it there if it runs on another port),
    and wait until it takes connections."""
    init(cfg)
    hba_changed = _write_hba(cfg)
    port = running_port(cfg)
    if port == cfg.pg_port and _socket(cfg, port).exists():
        if hba_changed:
            _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "reload"])
        _bootstrap(cfg)
        return
    if port is not None:  # started earlier with another DIXIAN_PG_PORT, or (made before) without the socket
        stop(cfg)
    if _port_taken(cfg.pg_port):
        raise _port_error(cfg)
    log = cfg.pgdata.parent / "postgresql.log"
    log.touch(exist_ok=True)
    _own(cfg, log)
    # The port on the command line, every start: a port written into postgresql.conf once would win over a later
    # DIXIAN_PG_PORT (and clusters made before still have one there). The superuser's socket likewise.
    server_args = ["-p", str(cfg.pg_port), "-k", str(cfg.pgdata), "-c", "unix_socket_permissions=0700",
                   "-c", "listen_addresses=127.0.0.1", "-c", "password_encryption=scram-sha-256"]
    proc = _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "-l", str(log), "-w", "-t", "60",
                      "-o", shlex.join(server_args), "start"], check=False)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        if "could not bind" in tail or "Address already in use" in tail:
            raise _port_error(cfg)
        raise ClusterError(f"the cluster did not start on port {cfg.pg_port}: "
                           f"{(tail.strip().splitlines() or ['(empty log)'])[-1]} (log: {log})")
    for _ in range(100):
        if _run(cfg, [str(cfg.pg_bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(cfg.pg_port)],
                check=False).returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise ClusterError(f"the cluster did not accept connections; see {log}")
    _bootstrap(cfg)


def stop(cfg: Settings = default_settings) -> None:
    if running(cfg):
        _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "-m", "fast", "-w", "stop"])


def remove(cfg: Settings = default_settings) -> Path | None:
    """Stop the cluster and delete its folder (its data is lost); return the folder removed, None if there was none.
    A cluster kept outside var/ (see Settings.pgdata) goes with the folder made for it."""
    if not initialised(cfg) and not cfg.pgdata.exists():
        return None
    stop(cfg)
    outside = cfg.pgdata.parent != cfg.var_dir
    folder = cfg.pgdata.parent if outside else cfg.pgdata
    shutil.rmtree(folder)
    return folder


def status(cfg: Settings = default_settings) -> str:
    if not initialised(cfg):
        return f"embedded cluster: not created ({cfg.pgdata})"
    port = running_port(cfg)
    if port is None:
        return f"embedded cluster: stopped ({cfg.pgdata}); starts on 127.0.0.1:{cfg.pg_port}"
    note = "" if port == cfg.pg_port else f"; DIXIAN_PG_PORT={cfg.pg_port}, so `db up` restarts it there"
    return f"embedded cluster: running on 127.0.0.1:{port} ({cfg.pgdata}){note}"
