"""A hand-built county for the accounts tests: two townships, three villages, households with known personal data,
water sources, houses; and one user per role. Loaded on the owner's connection (as an import would be)."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from accounts import passwords, users

COUNTY = "530427000000"
TOWN_A, TOWN_B = "530427100000", "530427200000"
VIL_A1, VIL_A2, VIL_B1 = "530427100201", "530427100202", "530427200201"
PASSWORD = "correct horse battery"

# household id → (natural village, village code, id number, phone)
HOUSEHOLDS = {
    "h1": ("nv1", VIL_A1, "530427199001011234", "13812345678"),
    "h2": ("nv1", VIL_A1, "530427198502025678", "13987654321"),
    "h3": ("nv2", VIL_A2, "530427197703039012", "13711112222"),
    "h4": ("nv3", VIL_B1, "530427196604043456", "13633334444"),
}
NATURAL_VILLAGES = {"nv1": VIL_A1, "nv2": VIL_A2, "nv3": VIL_B1}
WATER_SOURCES = {"w1": VIL_A1, "w2": VIL_B1, "w3": None}

_PT = "ST_SetSRID(ST_MakePoint(101.9 + %s, 24.0), 4490), ST_Transform(ST_SetSRID(ST_MakePoint(101.9 + %s, 24.0), 4490), 4522)"


# Tests hash many passwords: a cheap argon2id cost keeps them fast (the production cost is a setting).
FAST_ARGON2 = {"DIXIAN_ARGON2_TIME_COST": "1", "DIXIAN_ARGON2_MEMORY_KIB": "1024"}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY", hasher.hash("dixian-no-such-user"))
    for k, v in FAST_ARGON2.items():
        monkeypatch.setenv(k, v)


def load_county(conn) -> None:
    with conn.cursor() as cur:
        for i, (nv, code) in enumerate(NATURAL_VILLAGES.items()):
            cur.execute(f"INSERT INTO natural_villages (id, name, village_code, households, geom, geom_m) "
                        f"VALUES (%s, %s, %s, 2, {_PT})", (nv, "自然村" + nv, code, i / 100, i / 100))
        for i, (h, (nv, _, idn, phone)) in enumerate(HOUSEHOLDS.items()):
            cur.execute(f"INSERT INTO households (id, natural_village_id, head_name, id_number, phone, geom, geom_m) "
                        f"VALUES (%s, %s, %s, %s, %s, {_PT})", (h, nv, "户主" + h, idn, phone, i / 100, i / 100))
            cur.execute(f"INSERT INTO houses (id, household_id, grade, geom, geom_m) VALUES (%s, %s, 'C', {_PT})",
                        ("house-" + h, h, i / 100, i / 100))
        for i, (w, code) in enumerate(WATER_SOURCES.items()):
            cur.execute(f"INSERT INTO water_sources (id, status, village_code, geom, geom_m) "
                        f"VALUES (%s, 'working', %s, {_PT})", (w, code, i / 100, i / 100))
    conn.commit()


def make_users(conn) -> dict[str, users.User]:
    made = {}
    with conn.cursor() as cur:
        for key, role, scope in [("admin", "admin", None), ("planner", "county_planner", COUNTY),
                                 ("town_a", "township_officer", TOWN_A), ("mon_a1", "village_monitor", VIL_A1),
                                 ("mon_b1", "village_monitor", VIL_B1), ("water_a", "water_bureau", TOWN_A),
                                 ("viewer", "viewer", COUNTY)]:
            made[key] = users.create_user(cur, key, PASSWORD, role, scope)
    conn.commit()
    return made
