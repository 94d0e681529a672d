"""The embedded PostgreSQL + PostGIS cluster under var/: create, start, stop, status.

initdb refuses to run as root, so under root the cluster belongs to an unprivileged system user
(settings.pg_os_user), created on first use, and every server command runs as that user.
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
    _run(cfg, [str(cfg.pg_bin / "initdb"), "-D", str(cfg.pgdata), "-U", cfg.pg_os_user, "--auth=trust",
               "--encoding=UTF8", "--locale=C.UTF-8", "--lc-collate=C"])
    with open(cfg.pgdata / "postgresql.conf", "a") as conf:
        # No port here: it is given on every start (DIXIAN_PG_PORT holds whatever the cluster was made with).
        conf.write(f"\n# Dixian embedded cluster\nlisten_addresses = '127.0.0.1'\n"
                   f"unix_socket_directories = ''\nmax_connections = 200\nshared_buffers = 512MB\n"
                   f"work_mem = 64MB\nmaintenance_work_mem = 512MB\nfsync = on\n"
                   f"timezone = 'Asia/Shanghai'\nmax_wal_size = 4GB\n")


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
    port = running_port(cfg)
    if port == cfg.pg_port:
        return
    if port is not None:  # started earlier with another DIXIAN_PG_PORT
        stop(cfg)
    if _port_taken(cfg.pg_port):
        raise _port_error(cfg)
    log = cfg.pgdata.parent / "postgresql.log"
    log.touch(exist_ok=True)
    _own(cfg, log)
    # The port on the command line, every start: a port written into postgresql.conf once would win over a later
    # DIXIAN_PG_PORT (and clusters made before still have one there).
    proc = _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "-l", str(log), "-w", "-t", "60",
                      "-o", shlex.join(["-p", str(cfg.pg_port)]), "start"], check=False)
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
    # The project's own database, once.
    exists = _run(cfg, [str(cfg.pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(cfg.pg_port), "-U", cfg.pg_os_user,
                        "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{cfg.pg_database}'"])
    if exists.stdout.strip() != "1":
        _run(cfg, [str(cfg.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(cfg.pg_port), "-U", cfg.pg_os_user,
                   cfg.pg_database])


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
