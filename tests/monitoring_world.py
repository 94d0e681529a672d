"""A small hand-built county for the monitoring tests: two townships, three villages, households of every kind, and
one account per role and scope, loaded on the owner's connection as an import would be. Helpers take a case along
its chain through the real step functions, as the person each step needs; `owner_shift` stands in for time passing
(a notice's days, the support time) on the owner's connection, the only thing a test does behind the machine."""
from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from accounts import users
from accounts.scoped import connect_as
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse: cheap password hashes)
from geo import db
from geo.store import write_layer
from monitoring import machine, notices

COUNTY, OTHER_COUNTY = "530427000000", "530428000000"
T1, T2 = "530427205000", "530427206000"
V1, V1B, V2 = "530427205001", "530427205002", "530427206001"
PASSWORD = "correct horse battery"
# household id → (natural village, category, monitor_state, identified days ago, eliminated days ago, risks, members)
HOUSEHOLDS = {
    "H1": ("NV1", "general", None, None, None, [], 4),
    "H2": ("NV1", "exited", None, None, None, [], 3),
    "H3": ("NV1", "general", None, None, None, [], 2),
    "H4": ("NV1", "marginal", "under_support", 200, None, ["illness"], 5),
    "H5": ("NV1B", "general", None, None, None, [], 3),
    "H6": ("NV2", "general", None, None, None, [], 6),
    "H7": ("NV2", "unstable", "risk_eliminated", 150, 100, ["education"], 4),
    "H8": ("NV1B", "general", None, None, None, [], 2),
    "H9": ("NV2", "exited", None, None, None, [], 3),
}
NATURAL_VILLAGES = {"NV1": (V1, 101.95, 24.05), "NV1B": (V1B, 101.97, 24.07), "NV2": (V2, 102.20, 24.20)}
# login → (role, scope)
PEOPLE = {"vm1": ("village_monitor", V1), "vm2": ("village_monitor", V1), "vm_b": ("village_monitor", V1B),
          "vm_b2": ("village_monitor", V1B), "vm_other": ("village_monitor", V2),
          "vm_other2": ("village_monitor", V2), "to1": ("township_officer", T1), "to2": ("township_officer", T1),
          "to_other": ("township_officer", T2), "cp": ("county_planner", COUNTY),
          "cp_other": ("county_planner", OTHER_COUNTY), "viewer": ("viewer", COUNTY),
          "water": ("water_bureau", COUNTY), "admin": ("admin", None)}


# who takes the village's and the township's steps for a household of each village: (proposer, assessor, township)
CREW = {V1: ("vm1", "vm2", "to1"), V1B: ("vm_b", "vm_b2", "to1"), V2: ("vm_other", "vm_other2", "to_other")}


def crew(household: str) -> tuple[str, str, str]:
    return CREW[NATURAL_VILLAGES[HOUSEHOLDS[household][0]][0]]


def _gdf(rows, geoms):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4490")


def load(conn, today: date) -> None:
    """The county's layers, and the cases its monitored households become (mon_import_cases, as an import)."""
    with conn.cursor() as cur:
        write_layer(cur, "admin_units", _gdf(
            [{"code": COUNTY, "level": "county", "name": "示范县"},
             {"code": T1, "level": "township", "name": "甲乡", "parent_code": COUNTY},
             {"code": T2, "level": "township", "name": "乙乡", "parent_code": COUNTY},
             {"code": V1, "level": "village", "name": "一村", "parent_code": T1},
             {"code": V1B, "level": "village", "name": "二村", "parent_code": T1},
             {"code": V2, "level": "village", "name": "三村", "parent_code": T2}],
            [box(101.5, 23.5, 102.5, 24.5), box(101.5, 23.5, 102.0, 24.5), box(102.0, 23.5, 102.5, 24.5),
             box(101.9, 24.0, 101.96, 24.1), box(101.96, 24.0, 102.0, 24.1), box(102.1, 24.1, 102.3, 24.3)]))
        write_layer(cur, "natural_villages", _gdf(
            [{"id": k, "name": f"{k}组", "village_code": v, "households": 3} for k, (v, _, _) in
             NATURAL_VILLAGES.items()], [Point(x, y) for _, x, y in NATURAL_VILLAGES.values()]))
        rows, geoms = [], []
        for i, (hid, (nv, cat, state, ident, elim, risks, members)) in enumerate(HOUSEHOLDS.items()):
            x, y = NATURAL_VILLAGES[nv][1:]
            rows.append({"id": hid, "natural_village_id": nv, "head_name": f"户主{hid}", "members": members,
                         "category": cat, "monitor_state": state, "risk_types": risks,
                         "identified_on": None if ident is None else today - timedelta(days=ident),
                         "risk_eliminated_on": None if elim is None else today - timedelta(days=elim),
                         "last_visit_on": today - timedelta(days=10), "id_number": f"53042719800101{i:04d}",
                         "phone": f"1380000{i:04d}"})
            geoms.append(Point(x + 0.001 * i, y))
        write_layer(cur, "households", _gdf(rows, geoms))
        cur.execute("SELECT mon_import_cases()")
    conn.commit()


def make_people(conn) -> dict[str, users.User]:
    with conn.cursor() as cur:
        made = {login: users.create_user(cur, login, PASSWORD, role, scope) for login, (role, scope) in PEOPLE.items()}
    conn.commit()
    return made


class World:
    """The county, its people and a connection as each (made on first use, closed at the end)."""

    def __init__(self, owner, people: dict):
        self.owner = owner
        self.people = people
        self._conns = {}
        self.today = machine.today(owner)

    def __getitem__(self, login: str):
        if login not in self._conns:
            self._conns[login] = connect_as(self.people[login])
        return self._conns[login]

    def close(self):
        for c in self._conns.values():
            c.close()

    def case(self, case_id: int) -> dict:
        return db.query_df(self.owner, "SELECT * FROM mon_cases WHERE id = %s", (case_id,)).iloc[0].to_dict()

    def state(self, case_id: int) -> str:
        value = db.query_value(self.owner, "SELECT state FROM mon_cases WHERE id = %s", (case_id,))
        self.owner.rollback()
        return value

    def last_log(self, case_id: int) -> dict:
        row = db.query_df(self.owner, "SELECT * FROM mon_case_log WHERE case_id = %s ORDER BY id DESC LIMIT 1",
                          (case_id,)).iloc[0].to_dict()
        self.owner.rollback()
        return row

    def owner_shift(self, sql: str, params=()) -> None:
        """Time passing, on the owner's connection (the app's roles cannot): a notice posted days ago, a case
        identified months ago."""
        with self.owner.cursor() as cur:
            cur.execute(sql, params)
        self.owner.commit()

    # --- the chains, step by step, each by the person it needs (the household's village's crew) ------------------
    def proposed(self, household: str = "H1", by: str | None = None) -> int:
        return machine.propose(self[by or crew(household)[0]], household, "marginal", ["illness"],
                               "self_declaration", "农户申请")

    def assessed(self, household: str = "H1") -> int:
        cid = self.proposed(household)
        machine.step(self[crew(household)[1]], cid, "village_assessed")
        return cid

    def on_notice(self, household: str = "H1", days_ago: int = 0) -> int:
        """Assessed, consent recorded, on a notice posted `days_ago` days ago (the window: the rule set's 5)."""
        proposer, assessor, _ = crew(household)
        cid = self.assessed(household)
        machine.record_consent(self[proposer], cid, self.today)
        if days_ago:
            self.owner_shift("UPDATE mon_cases SET state_since = state_since - %s * interval '1 day' WHERE id = %s",
                             (days_ago, cid))
        notices.post(self[assessor], "identification", self.case(cid)["village_code"].strip(), [cid],
                     self.today - timedelta(days=days_ago))
        return cid

    def reviewed(self, household: str = "H1") -> int:
        cid = self.on_notice(household, days_ago=5)
        machine.step(self[crew(household)[2]], cid, "township_reviewed")
        return cid

    def identified(self, household: str = "H1", supported_days: int = 0, measure: bool = True) -> int:
        """Confirmed by the county; `supported_days` ago (the owner moves the date back), with a measure in effect
        since then when `measure`."""
        cid = self.reviewed(household)
        machine.step(self["cp"], cid, "identified")
        if supported_days:
            self.owner_shift("UPDATE mon_cases SET identified_on = identified_on - %s WHERE id = %s",
                             (supported_days, cid))
        if measure:
            from monitoring import measures
            measures.add(self[crew(household)[0]], measures.Measure(
                cid, "medical", self.today - timedelta(days=supported_days), ("illness",), "县医疗保障局"))
        return cid

    def elimination_proposed(self, household: str = "H1") -> int:
        cid = self.identified(household, supported_days=100)
        machine.step(self[crew(household)[0]], cid, "elimination_proposed")
        return cid

    def elimination_reviewed(self, household: str = "H1") -> int:
        """Proposed for elimination, assessed by the village and reviewed by the township."""
        cid = self.elimination_proposed(household)
        _, assessor, township = crew(household)
        machine.step(self[assessor], cid, "elimination_village_assessed")
        machine.step(self[township], cid, "elimination_township_reviewed")
        return cid


@pytest.fixture
def world(db_url, conn, photo_dir):
    load(conn, machine.today(conn))
    w = World(conn, make_people(conn))
    yield w
    w.close()


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    """Photos stored under this test's own folder."""

    from inspections import photos
    d = tmp_path / "photos"
    monkeypatch.setattr(photos, "settings", photos.settings.model_copy(update={"photo_dir": d}))
    return d
