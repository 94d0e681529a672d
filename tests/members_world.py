"""A hand-built county for the household members' tests: three natural villages in two townships, five households
(one relocated), members placed at the guarantees' edges as of AS_OF, written as a dataset folder."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

AS_OF = dt.date(2026, 11, 20)
_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(birth: str, seq: int, male: bool, area: str = "530427") -> str:
    """A well-formed resident ID number (GB 11643): area, birth date, sequence whose last digit is odd for men."""
    s = seq * 10 + (1 if male else 2) if seq < 100 else seq
    body = f"{area}{birth.replace('-', '')}{s:03d}"[:17]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _W)) % 11]


NATURAL_VILLAGES = pd.DataFrame({
    "id": ["NV1", "NV2", "NV3"], "name": ["大寨", "小寨", "新村"], "households": [3, 1, 1],
    "village_code": ["530427205201", "530427205202", "530427103201"],
    "lon": [101.90, 101.92, 101.95], "lat": [24.05, 24.06, 24.08]})
HOUSEHOLDS = pd.DataFrame({
    "id": ["H1", "H2", "H3", "H4", "H5"], "natural_village_id": ["NV1", "NV1", "NV1", "NV2", "NV3"],
    "head_name": ["张一", "李二", "王三", "赵四", "刘五"], "members": [9, 9, 9, 9, 9],
    "category": ["exited", "general", "exited", "general", "general"],
    "lon": [101.9001, 101.9002, 101.9003, 101.9201, 101.9501], "lat": [24.0501, 24.0502, 24.0503, 24.0601, 24.0801]})
SITES = pd.DataFrame({"id": ["S1"], "name": ["安置点"], "village_code": ["530427103201"], "lon": [101.951],
                      "lat": [24.081]})
RELOCATED = pd.DataFrame({"household_id": ["H5"], "site_id": ["S1"], "origin_natural_village_id": ["NV3"]})


def _m(mid, hh, name, relation, sex, birth, seq, **kw):
    return {"id": mid, "household_id": hh, "name": name, "relation": relation, "sex": sex, "birth_date": birth,
            "id_number": id_number(birth, seq, sex == "男"), **kw}


MEMBERS = pd.DataFrame([
    # H1: a child turning 6 tomorrow (not school age), one who turned 6 today, both not enrolled; income high.
    _m("M1", "H1", "张一", "户主", "男", "1980-03-01", 1, insured="是", income_yuan=40000),
    _m("M2", "H1", "张小", "子女", "男", "2020-11-21", 2, enrolled="否", insured="是"),
    _m("M3", "H1", "张六", "子女", "女", "2020-11-20", 3, enrolled="否", insured="是"),
    # H2: a child 15 (turning 16 tomorrow) out of school, one who turned 16 today out of school; chronic, no contract.
    _m("M4", "H2", "李二", "户主", "男", "1975-05-05", 4, chronic_illness="是", doctor_contract="否", insured="是",
       income_yuan=30000),
    _m("M5", "H2", "李十五", "子女", "女", "2010-11-21", 5, enrolled="否", insured="是"),
    _m("M6", "H2", "李十六", "子女", "男", "2010-11-20", 6, enrolled="否", insured="是"),
    # H3: severely disabled children taught at home, once (fails) and twice (passes); an uninsured parent; poor.
    _m("M7", "H3", "王三", "户主", "男", "1970-01-01", 7, insured="否", income_yuan=5000),
    _m("M8", "H3", "王一次", "子女", "女", "2015-06-01", 8, disability_grade=1, school_stage="送教上门",
       home_teaching_visits=1, enrolled="否", insured="是"),
    _m("M9", "H3", "王两次", "子女", "男", "2014-06-01", 9, disability_grade=2, school_stage="送教上门",
       home_teaching_visits=2, enrolled="否", insured="是"),
    # H4: one person, insured, enrolled adult student; no income data (the income rule cannot judge it).
    _m("M10", "H4", "赵四", "户主", "女", "2004-02-29", 10, insured="是", school_stage="大学", enrolled="是"),
    # H5: relocated, willing labour, nobody employed: a zero-employment household.
    _m("M11", "H5", "刘五", "户主", "男", "1985-07-07", 11, labour="有劳动力", willing_to_work="是",
       employed_months=0, insured="是", income_yuan=14000),
    _m("M12", "H5", "刘妻", "配偶", "女", "1987-08-08", 12, labour="弱劳动力", willing_to_work="否", insured="是"),
])


def write(folder: Path, members: pd.DataFrame | None = None, with_members: bool = True) -> Path:
    """The hand-built county as a dataset folder (CSV per layer, no DEM)."""
    folder.mkdir(parents=True, exist_ok=True)
    NATURAL_VILLAGES.to_csv(folder / "natural_villages.csv", index=False)
    HOUSEHOLDS.to_csv(folder / "households.csv", index=False)
    SITES.to_csv(folder / "relocation_sites.csv", index=False)
    RELOCATED.to_csv(folder / "relocated_households.csv", index=False)
    if with_members:
        (MEMBERS if members is None else members).to_csv(folder / "household_members.csv", index=False)
    return folder
