"""The embedded cluster and the migrations, against the real server."""
import subprocess
import sys

from geo import db  # noqa: E402
from geo.db import cluster
from geo.settings import settings

from conftest import ROOT


def test_migrations_are_recorded_and_idempotent(db_url, conn):
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM schema_migrations ORDER BY version")
        versions = [r[0] for r in cur.fetchall()]
    assert versions == [p.stem.split("_", 1)[0] for p in db.migration_files()]
    # Running them again applies nothing and changes nothing.
    with conn.cursor() as cur:
        cur.execute("SELECT md5(string_agg(table_name || column_name || data_type, ',' ORDER BY 1)) "
                    "FROM information_schema.columns WHERE table_schema = 'dixian'")
        before = cur.fetchone()[0]
    assert db.migrate(db_url) == []
    with conn.cursor() as cur:
        cur.execute("SELECT md5(string_agg(table_name || column_name || data_type, ',' ORDER BY 1)) "
                    "FROM information_schema.columns WHERE table_schema = 'dixian'")
        assert cur.fetchone()[0] == before
        cur.execute("SELECT count(*) FROM schema_migrations")
        assert cur.fetchone()[0] == len(versions)


def test_every_layer_has_a_metric_copy_with_gist_indexes(conn):
    with conn.cursor() as cur:
        cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'geom'
                       WHERE n.nspname = 'dixian' AND c.relkind = 'r'""")
        spatial = {r[0] for r in cur.fetchall()}
        assert {"admin_units", "seats", "natural_villages", "households", "houses", "water_sources", "roads",
                "relocation_sites", "assets"} <= spatial
        for table in spatial:
            cur.execute("""SELECT count(*) FROM pg_indexes WHERE schemaname = 'dixian' AND tablename = %s
                           AND indexdef LIKE '%%USING gist (geom_m)%%'""", (table,))
            assert cur.fetchone()[0] >= 1, table


def test_rule_sets_are_data_with_one_default(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT name, settings->>'max_horizontal_m' FROM rule_sets WHERE is_default")
        assert cur.fetchall() == [("longxian-2021", "800")]
        cur.execute("SELECT settings->>'water_combine' FROM rule_sets WHERE name = 'national-2018'")
        assert cur.fetchone()[0] == "piped_or_time"


def test_embedded_cluster_stop_start_restart(monkeypatch):
    """A second embedded cluster beside the first (under var/, which its owner can reach): created, started,
    stopped, started again, data kept."""
    import os
    import shutil
    from geo.settings import Settings
    var = ROOT / "var" / f"test-cluster-{os.getpid()}"
    monkeypatch.setenv("DIXIAN_VAR", str(var))
    monkeypatch.setenv("DIXIAN_PG_PORT", str(54400 + os.getpid() % 500))
    cfg = Settings()
    try:
        assert "not created" in cluster.status(cfg)
        cluster.start(cfg)
        assert cluster.running(cfg)
        url = cfg.url
        db.migrate(url)
        c = db.connect(url)
        with c.cursor() as cur:
            cur.execute("INSERT INTO meta VALUES ('probe', 'kept')")
        c.commit()
        c.close()
        cluster.stop(cfg)
        assert not cluster.running(cfg) and "stopped" in cluster.status(cfg)
        cluster.start(cfg)
        c = db.connect(url)
        with c.cursor() as cur:
            cur.execute("SELECT value FROM meta WHERE key = 'probe'")
            assert cur.fetchone()[0] == "kept"
        c.close()
        cluster.start(cfg)  # starting a running cluster is a no-op
        assert cluster.running(cfg)
    finally:
        cluster.stop(cfg)
        shutil.rmtree(var, ignore_errors=True)


def test_cli_db_status_names_the_database(db_url):
    out = subprocess.run([sys.executable, "-m", "geo", "db", "status"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert db_url in out.stdout and "migrations applied: " in out.stdout
