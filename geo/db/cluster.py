"""The embedded PostgreSQL + PostGIS cluster under var/: create, start, stop, status.

initdb refuses to run as root, so under root the cluster belongs to an unprivileged system user
(settings.pg_os_user), created on first use, and every server command runs as that user.
"""
from __future__ import annotations

import os
import pwd
import shutil
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
        conf.write(f"\n# Dixian embedded cluster\nlisten_addresses = '127.0.0.1'\nport = {cfg.pg_port}\n"
                   f"unix_socket_directories = ''\nmax_connections = 200\nshared_buffers = 512MB\n"
                   f"work_mem = 64MB\nmaintenance_work_mem = 512MB\nfsync = on\n"
                   f"timezone = 'Asia/Shanghai'\nmax_wal_size = 4GB\n")


def start(cfg: Settings = default_settings) -> None:
    """Create the cluster if needed, start it, and wait until it takes connections."""
    init(cfg)
    if running(cfg):
        return
    log = cfg.pgdata.parent / "postgresql.log"
    log.touch(exist_ok=True)
    _own(cfg, log)
    _run(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "-l", str(log), "-w", "-t", "60", "start"])
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


def status(cfg: Settings = default_settings) -> str:
    if not initialised(cfg):
        return f"embedded cluster: not created ({cfg.pgdata})"
    state = "running" if running(cfg) else "stopped"
    return f"embedded cluster: {state} on 127.0.0.1:{cfg.pg_port} ({cfg.pgdata})"
