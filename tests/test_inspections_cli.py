"""`python -m inspections`: tokens, due lists, spot-check draws and XForms from the shell, with their exit codes."""
import csv
import io
import json
import subprocess
import sys

import inspections_world as w
from conftest import ROOT
from inspections import auth, records, workflow
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "inspections", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_token_create_and_revoke(conn, db_url):
    r = cli("token", "create", "--name", "李监测员", "--role", "inspector", "--scope", "530427205001")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    with conn.cursor() as cur:
        who = auth.by_token(cur, out["token"])
    conn.rollback()
    assert (who.name, who.role, who.scope_code, who.id) == ("李监测员", "inspector", "530427205001", out["inspector_id"])
    assert cli("token", "create", "--name", "x", "--role", "inspector", "--scope", "5304").returncode == 2
    assert cli("token", "create", "--inspector-id", "999").returncode == 2
    assert cli("token", "revoke", out["token"]).returncode == 0
    with conn.cursor() as cur:
        assert auth.by_token(cur, out["token"]) is None
    assert cli("token", "revoke", out["token"]).returncode == 2


def test_due_and_spotcheck(conn, world):
    r = cli("due", "--inspector-id", str(world["insp"].id), "--as-of", "2026-11-23", "--overdue")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["kind"], x["target_id"], x["days_overdue"]) for x in rows] == [("household_visit", "H1", "23")]
    for i in range(4):
        iid = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, i), start=f"2026-11-1{i}T10:00:00+08:00",
                                                               end=f"2026-11-1{i}T10:20:00+08:00"), []).id
        workflow.transition(conn, iid, world["village"], "village_verified")
    draws = [json.loads(cli("spotcheck", "draw", "--seed", str(s), "--rate", "0.5").stdout) for s in (1, 1)]
    ids = [[x["id"] for x in d["inspections"]] for d in draws]
    assert len(ids[0]) == 2 and ids[0] == ids[1] and draws[0]["sample_id"] != draws[1]["sample_id"]
    assert cli("spotcheck", "draw", "--seed", "1", "--rate", "2").returncode == 2
    assert cli("spotcheck", "compare", ids[0][0], ids[0][0]).returncode == 0


def test_xform():
    r = cli("xform", "house_safety")
    assert r.returncode == 0 and r.stdout.startswith("<?xml")
    assert 'nodeset="/data/warning_sign"' in r.stdout and "relevant=\" /data/idle  = 'yes'\"" in r.stdout
    assert cli("xform", "picnic").returncode == 2
