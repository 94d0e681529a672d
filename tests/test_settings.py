"""Settings: typed, read from DIXIAN_* variables, a bad value refused in one line naming the variable and the type."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from geo.settings import PROJECT_ROOT, Settings, SettingsError, env_name


def test_defaults_and_overrides(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DIXIAN_"):
            monkeypatch.delenv(name)
    s = Settings()
    assert (s.pg_port, s.schema, s.language, s.import_bulk_rows, s.spotcheck_rate) == (54329, "dixian", "zh", 50000, 0.1)
    assert s.var_dir == PROJECT_ROOT / "var" and s.photo_dir == PROJECT_ROOT / "var" / "photos"
    assert s.app_database_url is None and s.debug is False and s.target_radius_m["water_source"] == 200.0
    monkeypatch.setenv("DIXIAN_PG_PORT", "61234")
    monkeypatch.setenv("DIXIAN_LANG", "en")                     # a variable not named after its setting
    monkeypatch.setenv("DIXIAN_PLAN_USERS_LITRES", "35.5")
    monkeypatch.setenv("DIXIAN_VAR", "/srv/dixian")
    monkeypatch.setenv("DIXIAN_SCHEMA", "other")
    monkeypatch.setenv("DIXIAN_TIANDITU_KEY", "")               # empty counts as unset
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = Settings()
    assert (s.pg_port, s.language, s.plan_users_litres_per_person_day, s.schema) == (61234, "en", 35.5, "other")
    assert s.var_dir == Path("/srv/dixian") and s.tianditu_key == ""
    # the owner's URL names the password file, never a password (issue 12); the app's, its own login
    assert s.embedded and s.url == "postgresql://dixian_owner@127.0.0.1:61234/dixian?passfile=%2Fsrv%2Fdixian%2Fsecrets%2Fpgpass"
    assert s.app_url() == "postgresql://dixian_web@127.0.0.1:61234/dixian?passfile=%2Fsrv%2Fdixian%2Fsecrets%2Fpgpass"
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/x")
    assert not s.embedded and s.url == "postgresql://someone@db.example/x"   # read when asked, not at start
    assert env_name(Settings, "patrol_protection_zone_days") == "DIXIAN_PATROL_ZONE_DAYS"
    assert env_name(Settings, "map_max_features") == "DIXIAN_MAP_MAX_FEATURES"


@pytest.mark.parametrize("name, value, kind", [("DIXIAN_PG_PORT", "abc", "an integer"),
                                               ("DIXIAN_SPOTCHECK_RATE", "a tenth", "a number"),
                                               ("DIXIAN_IMPORT_SWAP_MARGIN", "0,5", "a number"),
                                               ("DIXIAN_DEBUG", "maybe", "true or false")])
def test_a_bad_value_names_the_variable_and_the_type(monkeypatch, name, value, kind):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        Settings()
    assert str(err.value) == f"{name}={value!r}: expected {kind}"



def test_command_line_refuses_a_bad_setting_in_one_line():
    env = {**os.environ, "DIXIAN_PG_PORT": "abc"}
    for argv in (["geo", "db", "status"], ["accounts", "list-users"], ["inspections", "inspectors"]):
        r = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 2, (argv, r.stderr)
        assert r.stderr.splitlines() == ["error: DIXIAN_PG_PORT='abc': expected an integer"], argv
