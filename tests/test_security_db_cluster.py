"""Issue 12, item 9: the embedded cluster on a shared machine — the port setting holds on every start, a port held
by another server is one line naming it and DIXIAN_PG_PORT, and a clone the cluster's user cannot reach keeps its
cluster where `make clean-db` finds it."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geo import db
from geo.db import cluster
from geo.settings import Settings

from conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cfg(monkeypatch, var: Path, port: int) -> Settings:
    monkeypatch.setenv("DIXIAN_VAR", str(var))
    monkeypatch.setenv("DIXIAN_PG_PORT", str(port))
    return Settings()


def _answers(cfg: Settings) -> bool:
    c = db.connect(cfg.url)
    try:
        return db.query_value(c, "SELECT 1") == 1
    finally:
        c.close()


def test_the_port_setting_holds_on_every_start_and_a_held_port_is_one_line(monkeypatch):
    var = ROOT / "var" / f"test-port-{os.getpid()}"
    first, second, third = _free_port(), _free_port(), _free_port()
    cfg = _cfg(monkeypatch, var, first)
    try:
        cluster.start(cfg)
        assert cluster.running_port(cfg) == first and _answers(cfg)
        cluster.stop(cfg)
        # Made on `first`, started again with another DIXIAN_PG_PORT: it listens there (not on the first port).
        cfg = _cfg(monkeypatch, var, second)
        cluster.start(cfg)
        assert cluster.running_port(cfg) == second and _answers(cfg)
        assert "port = " not in (cfg.pgdata / "postgresql.conf").read_text().split("# Dixian embedded cluster")[-1]
        # Running on `second`, asked for `third`: restarted there.
        cfg = _cfg(monkeypatch, var, third)
        assert f"running on 127.0.0.1:{second}" in cluster.status(cfg) and "DIXIAN_PG_PORT" in cluster.status(cfg)
        cluster.start(cfg)
        assert cluster.running_port(cfg) == third and _answers(cfg)
        cluster.stop(cfg)
        # A port another server holds: one line naming the port and the setting, nothing started.
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            held = holder.getsockname()[1]
            cfg = _cfg(monkeypatch, var, held)
            with pytest.raises(cluster.ClusterError) as err:
                cluster.start(cfg)
        message = str(err.value)
        assert str(held) in message and "DIXIAN_PG_PORT" in message and "\n" not in message
        assert not cluster.running(cfg)
    finally:
        cluster.stop(cfg)
        shutil.rmtree(var, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the cluster's own OS user exists only when run as root")
def test_a_clone_its_user_cannot_reach_keeps_its_cluster_where_clean_db_removes_it(monkeypatch):
    home = Path(tempfile.mkdtemp(prefix="dixian-closed-"))  # mode 0700, root's: the cluster's user cannot enter
    var = home / "clone" / "var"
    cfg = _cfg(monkeypatch, var, _free_port())
    try:
        assert str(cfg.pgdata).startswith("/var/lib/dixian/")
        cluster.init(cfg)
        assert cluster.initialised(cfg)
        # `python -m geo db remove` (what `make clean-db` runs) says what it removed, and it is gone.
        env = {**os.environ, "DIXIAN_VAR": str(var), "DIXIAN_PG_PORT": str(cfg.pg_port)}
        env.pop("DATABASE_URL", None)
        out = subprocess.run([sys.executable, "-m", "geo", "db", "remove"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert str(cfg.pgdata.parent) in out.stdout
        assert not cfg.pgdata.parent.exists()
        assert "db remove" in (ROOT / "Makefile").read_text().split("clean-db:")[-1]
    finally:
        cluster.remove(cfg)
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the cluster's own OS user exists only when run as root")
def test_a_cluster_made_open_before_is_closed_and_handed_to_the_owner_at_its_next_start(monkeypatch):
    """A cluster as the project made them before (trust over TCP, the superuser owning the project's tables, no
    socket): the next start allows passwords only, and the owner owns (and may change) what the superuser made."""
    import psycopg2
    var = ROOT / "var" / f"test-open-{os.getpid()}"
    cfg = _cfg(monkeypatch, var, _free_port())
    try:
        cluster.init(cfg)
        (cfg.pgdata / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
        subprocess.run(cluster._as_owner(cfg, [str(cfg.pg_bin / "pg_ctl"), "-D", str(cfg.pgdata), "-w", "-l",
                                               str(cfg.pgdata / "old.log"), "-o", f"-p {cfg.pg_port}", "start"]),
                       check=True, capture_output=True)
        old = psycopg2.connect(host="127.0.0.1", port=cfg.pg_port, user=cfg.pg_os_user, dbname="postgres")
        old.autocommit = True
        with old.cursor() as cur:
            cur.execute(f"CREATE DATABASE {cfg.pg_database}")
        old.close()
        old = psycopg2.connect(host="127.0.0.1", port=cfg.pg_port, user=cfg.pg_os_user, dbname=cfg.pg_database)
        with old, old.cursor() as cur:
            cur.execute("CREATE SCHEMA dixian; CREATE TABLE dixian.t (id serial PRIMARY KEY, x text); "
                        "CREATE VIEW dixian.v AS SELECT * FROM dixian.t; INSERT INTO dixian.t (x) VALUES ('kept')")
        old.close()
        cluster.start(cfg)
        with pytest.raises(psycopg2.OperationalError):
            psycopg2.connect(host="127.0.0.1", port=cfg.pg_port, user=cfg.pg_os_user, dbname="postgres",
                             passfile="/dev/null", connect_timeout=5).close()
        c = db.connect(cfg.url)
        with c.cursor() as cur:
            cur.execute("SELECT x FROM dixian.t")
            assert cur.fetchone()[0] == "kept"
            cur.execute("SELECT relname FROM pg_class WHERE relnamespace = 'dixian'::regnamespace "
                        "AND relowner <> %s::regrole", (cfg.pg_owner_role,))
            assert cur.fetchall() == []
            cur.execute("ALTER TABLE dixian.t ADD COLUMN y int")
            cur.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'postgis'")
            assert cur.fetchone()[0] == "public"
        c.rollback()
        c.close()
    finally:
        cluster.stop(cfg)
        shutil.rmtree(var, ignore_errors=True)
