"""A small hand-built county for the planner's pages: 2 townships, 4 villages, 8 natural villages, 40 households,
houses, sources, roads, a relocation site, assets and check results, with every indicator's answer known."""
from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from geo import db, store

COUNTY = "530427000000"
T1, T2 = "530427100000", "530427200000"
VILLAGES = {"530427100201": (T1, "大河村", 101.90, 24.00), "530427100202": (T1, "小河村", 101.95, 24.00),
            "530427200201": (T2, "高山村", 101.90, 24.05), "530427200202": (T2, "平坝村", 101.95, 24.05)}
TOWNSHIPS = {T1: ("甲镇", 101.90, 24.00), T2: ("乙乡", 101.90, 24.05)}
RULE_SET = "longxian-2021"
TODAY = date.today()
CATEGORIES = ["general", "exited", "unstable", "marginal", "general"]   # households 0..4 of each natural village


def build() -> dict:
    """The layers as GeoDataFrames (EPSG:4490) and the results rows, plus the expected indicator values."""
    g = lambda rows: gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4490)
    admin = [{"code": COUNTY, "level": "county", "name": "示范县", "parent_code": None, "population": 1000,
              "geometry": box(101.90, 24.00, 102.00, 24.10)}]
    for code, (name, x, y) in TOWNSHIPS.items():
        admin.append({"code": code, "level": "township", "name": name, "parent_code": COUNTY, "population": 500,
                      "geometry": box(x, y, x + 0.10, y + 0.05)})
    for code, (tw, name, x, y) in VILLAGES.items():
        admin.append({"code": code, "level": "village", "name": name, "parent_code": tw, "population": 100,
                      "geometry": box(x, y, x + 0.05, y + 0.05)})
    seats = [{"code": COUNTY, "level": "county", "name": "县城", "geometry": Point(101.91, 24.01)}]
    seats += [{"code": c, "level": "township", "name": n + "政府", "geometry": Point(x + 0.01, y + 0.01)}
              for c, (n, x, y) in TOWNSHIPS.items()]
    nvs, hhs, houses, water_rows, road_rows = [], [], [], [], []
    expected = {"monitored": 0, "monitored_people": 0, "overdue": 0, "dangerous": 0, "water_fail": 0,
                "water_fail_people": 0, "road_gaps": 0, "per_township_monitored": {T1: 0, T2: 0}}
    k = 0
    for vi, (code, (tw, vname, x, y)) in enumerate(VILLAGES.items()):
        for j in range(2):
            nv_id = f"NV{vi}{j}"
            cx, cy = x + 0.015 + 0.02 * j, y + 0.025
            households = 40 if j == 0 else 10
            nvs.append({"id": nv_id, "name": f"{vname}{'上' if j == 0 else '下'}组", "village_code": code,
                        "households": households, "population": households * 3, "geometry": Point(cx, cy)})
            gap = j == 0 and vi % 2 == 1            # the big group of villages 1 and 3 has no hardened road
            road_rows.append((RULE_SET, 1, nv_id, households, "R1", 2500.0 if gap else 120.0, not gap,
                              households >= 30, gap, True, 3.2))
            expected["road_gaps"] += gap
            for i in range(5):
                hid = f"H{k:03d}"
                cat = CATEGORIES[i]
                members = 2 + i
                monitored = cat in ("unstable", "marginal")
                last_visit = TODAY - timedelta(days=10 if i == 2 else 90)
                hhs.append({"id": hid, "natural_village_id": nv_id, "head_name": f"户主{k}", "members": members,
                            "category": cat, "monitor_state": "under_support" if monitored else None,
                            "risk_types": ["illness"] if monitored else [], "last_visit_on": last_visit,
                            "support_contact": "李干部" if monitored else None,
                            "geometry": Point(cx + 0.001 * i, cy + 0.001)})
                if monitored:
                    expected["monitored"] += 1
                    expected["monitored_people"] += members
                    expected["per_township_monitored"][tw] += 1
                    expected["overdue"] += i == 3          # the marginal one was visited 90 days ago
                grade = "D" if i == 0 and j == 0 else ("C" if i == 1 and j == 0 and vi == 0 else "A")
                state = "under_way" if grade == "D" else ("safe_occupancy" if grade == "C" else "none")
                houses.append({"id": f"HO{k:03d}", "household_id": hid, "grade": grade, "renovation_state": state,
                               "idle": False, "appraised_on": TODAY - timedelta(days=200),
                               "geometry": Point(cx + 0.001 * i, cy + 0.0012)})
                expected["dangerous"] += grade in ("C", "D") and state != "safe_occupancy"
                fail = i == 4 and vi < 2                   # one household per natural village in township 1
                water_rows.append((RULE_SET, 1, "household", hid, nv_id, members, "W1", 950.0 if fail else 300.0,
                                   30.0, 26.0 if fail else 8.0, "straight", not fail, True, not fail, False,
                                   not fail, ["horizontal", "time"] if fail else []))
                expected["water_fail"] += fail
                expected["water_fail_people"] += members if fail else 0
                k += 1
    sources = [{"id": "W1", "name": "大河水厂", "kind": "centralised", "status": "working", "capacity_m3_per_day": 120,
                "people_served": 600, "piped_to_home": True, "disinfection": True, "water_manager": "王水管",
                "village_code": "530427100201", "geometry": Point(101.93, 24.03),
                "protection_zone": box(101.925, 24.025, 101.935, 24.035)},
               {"id": "W2", "name": "高山泉", "kind": "spring", "status": "failed", "village_code": "530427200201",
                "capacity_m3_per_day": 5, "people_served": 40, "piped_to_home": False, "disinfection": False,
                "water_manager": "刘水管",
                "geometry": Point(101.93, 24.08), "protection_zone": None}]
    roads = [{"id": "R1", "name": "县道X001", "surface": "asphalt", "class": "county",
              "geometry": LineString([(101.91, 24.01), (101.99, 24.09)])},
             {"id": "R2", "name": "组道", "surface": "earth", "class": "group",
              "geometry": LineString([(101.96, 24.02), (101.98, 24.03)])}]
    sites = [{"id": "S1", "name": "幸福安置点", "village_code": "530427100202", "capacity_households": 20,
              "relocated_households": 15, "facilities": ["school", "factory"], "geometry": Point(101.97, 24.04)}]
    relocated = [{"household_id": f"RH{i}", "site_id": "S1", "members": 3, "workers_employed": 0 if i < 3 else 1}
                 for i in range(15)]
    expected["relocation_no_worker"] = 3
    old = TODAY - timedelta(days=200)
    assets = [{"id": "A1", "name": "光伏电站", "type": "operating", "category": "pv_station", "value_yuan": 500000,
               "accepted_on": old, "registered_on": None, "owner": "大河村集体", "custodian": "张管护",
               "village_code": "530427100201", "maintenance_state": "good", "geometry": Point(101.92, 24.02)},
              {"id": "A2", "name": "蔬菜大棚", "type": "operating", "category": "greenhouse", "value_yuan": 80000,
               "accepted_on": old, "registered_on": old + timedelta(days=30), "owner": "高山村集体",
               "custodian": "赵管护", "village_code": "530427200201", "maintenance_state": "broken",
               "geometry": Point(101.92, 24.07)},
              {"id": "A3", "name": "村卫生室", "type": "public_welfare", "category": "clinic", "value_yuan": 200000,
               "accepted_on": TODAY - timedelta(days=20), "registered_on": None, "owner": "平坝村",
               "custodian": "钱医生", "village_code": "530427200202", "maintenance_state": "good",
               "geometry": Point(101.97, 24.07)}]
    expected["assets_unregistered"] = 1
    layers = {"admin_units": g(admin), "seats": g(seats), "natural_villages": g(nvs), "households": g(hhs),
              "houses": g(houses), "water_sources": g(sources), "roads": g(roads), "relocation_sites": g(sites),
              "relocated_households": pd.DataFrame(relocated), "assets": g(assets)}
    return {"layers": layers, "water": water_rows, "road": road_rows, "expected": expected}


WATER_COLS = ["rule_set", "rule_version", "subject", "subject_id", "natural_village_id", "people", "source_id",
              "horizontal_m", "vertical_m", "round_trip_min", "distance_basis", "horizontal_ok", "vertical_ok",
              "time_ok", "piped", "compliant", "failed_clauses"]
ROAD_COLS = ["rule_set", "rule_version", "natural_village_id", "households", "road_id", "road_distance_m",
             "has_hardened_road", "required", "gap", "connected_to_seat", "network_km_to_seat"]


def load(url: str, with_results: bool = True) -> dict:
    """Write the small county into the database at `url`; return the expected indicator values."""
    data = build()
    with db.transaction(url) as conn, conn.cursor() as cur:
        for layer in store.LOAD_ORDER:
            if layer in data["layers"]:
                store.write_layer(cur, layer, data["layers"][layer])
        cur.execute("SELECT mon_import_cases()")   # as an import does: monitored households become cases
        if with_results:
            db.copy_rows(cur, "water_results", WATER_COLS, data["water"])
            db.copy_rows(cur, "road_results", ROAD_COLS, data["road"])
    return data["expected"]
