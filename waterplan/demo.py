"""The demo county's water works records and the ledger's hand-entered findings, made from the demo's layers and
written in the demo's load (the entry-point group `dixian.demo`, pyproject.toml): a water manager in most villages
with piped works and their trainings, the year's fees, water samples and complaints, and findings of supervision,
audit and inspection tours, some closed with evidence."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from data.demo import AS_OF, _names, _rng
from geo import db

_LABS = np.array(["县疾控中心", "县水质检测中心", "市疾控中心"], dtype=object)
_PARAMETERS = "菌落总数、总大肠菌群、浑浊度、余氯"
_COMPLAINTS = np.array(["水压低", "停水未通知", "水浑浊", "水表损坏", "收费有疑问"], dtype=object)
_FINDINGS = [  # source, category, responsible unit, days before AS_OF found, days given, closed with evidence
    ("supervision", "饮水工程水管员未公示", "县水务局", 120, 60, "公示照片及台账 2026-08"),
    ("supervision", "监测户帮扶措施未落实", "乡人民政府", 40, 30, None),
    ("audit", "衔接资金拨付滞后", "县财政局", 200, 90, "审计整改报告 县审〔2026〕12号"),
    ("audit", "扶贫项目资产未确权登记", "县农业农村局", 90, 60, None),
    ("tour", "驻村工作队考勤不实", "县委组织部", 60, 30, None),
    ("tour", "防返贫监测排查不到位", "乡人民政府", 20, 45, None),
]


def _date(days_before) -> pd.Series:
    return pd.Series(AS_OF - np.asarray(days_before).astype("timedelta64[D]")).dt.date


def records(demo) -> dict[str, pd.DataFrame]:
    """The works tables' rows for the demo (managers' ids 1…n, the order the load writes them)."""
    rng = _rng(demo.seed, 41)
    w = demo.layers["water_sources"]
    works = w[w.kind.isin(["centralised", "small_scheme"]) & w.village_code.notna()]
    first = works.drop_duplicates("village_code")
    keep = rng.random(len(first)) < 0.9   # some villages have no manager: the ledger shows them
    m = first[keep]
    managers = pd.DataFrame({"id": np.arange(1, len(m) + 1), "village_code": m.village_code.to_numpy(object),
                             "source_id": m.id.to_numpy(object), "name": _names(rng, len(m)),
                             "phone": [f"139{k:08d}" for k in rng.integers(0, 10 ** 8, len(m))],
                             "posted_publicly": rng.random(len(m)) < 0.8, "appointed_on": _date(rng.integers(400, 2000, len(m)))})
    county, town = rng.integers(1, 4, len(m)), rng.integers(1, 5, len(m))
    mid = np.r_[np.repeat(managers.id, county), np.repeat(managers.id, town)]
    trainings = pd.DataFrame({"manager_id": mid, "level": ["county"] * county.sum() + ["township"] * town.sum(),
                              "held_on": _date(rng.integers(0, 300, len(mid))), "topic": "供水设施运行维护"})
    due = np.round(works.people_served.fillna(0).to_numpy(float) * 36.0, 2)   # 3 yuan a person a month
    rate = np.clip(rng.normal(0.965, 0.025, len(works)), 0.7, 1.0)
    fees = pd.DataFrame({"source_id": works.id.to_numpy(object), "year": int(str(AS_OF)[:4]), "due_yuan": due,
                         "collected_yuan": np.round(due * rate, 2)})
    n_s = rng.integers(1, 4, len(works))
    sid = np.repeat(works.id.to_numpy(object), n_s)
    samples = pd.DataFrame({"source_id": sid, "sampled_on": _date(rng.integers(5, 320, len(sid))),
                            "lab": _LABS[rng.integers(0, len(_LABS), len(sid))], "parameters": _PARAMETERS,
                            "passed": rng.random(len(sid)) > 0.08})
    n_c = rng.poisson(0.6, len(works))
    cid = np.repeat(works.id.to_numpy(object), n_c)
    received = _date(rng.integers(3, 300, len(cid)))
    answered = rng.random(len(cid)) < 0.9
    visited = answered & (rng.random(len(cid)) < 0.8)
    complaints = pd.DataFrame({
        "source_id": cid, "received_on": received, "summary": _COMPLAINTS[rng.integers(0, len(_COMPLAINTS), len(cid))],
        "answered_on": [r + timedelta(days=2) if a else None for r, a in zip(received, answered)],
        "return_visit_on": [r + timedelta(days=9) if v else None for r, v in zip(received, visited)]})
    return {"works_managers": managers, "works_trainings": trainings, "works_fees": fees, "works_samples": samples,
            "works_complaints": complaints}


def findings() -> pd.DataFrame:
    """The ledger's hand-entered findings of the demo, numbered F000001…"""
    rows = []
    for k, (source, category, owner, ago, days, evidence) in enumerate(_FINDINGS, 1):
        opened = (AS_OF - np.timedelta64(ago, "D")).astype(object)
        rows.append({"kind": "finding", "source": source, "category": category, "subject_id": f"F{k:06d}",
                     "problem": "finding", "owner": owner, "opened_on": opened,
                     "due_on": opened + timedelta(days=days), "detail": category,
                     "closed_on": opened + timedelta(days=days - 5) if evidence else None,
                     "closed_by": "review" if evidence else None, "evidence": evidence,
                     "reviewer": "县乡村振兴局 复核组" if evidence else None})
    return pd.DataFrame(rows)


def load(cur, demo) -> dict[str, int]:
    """In the demo's load transaction: the works records and the findings replace any earlier ones."""
    cur.execute("TRUNCATE works_trainings, works_managers, works_fees, works_samples, works_complaints "
                "RESTART IDENTITY")
    cur.execute("DELETE FROM rectification_items WHERE kind = 'finding'")
    rows = {t: db.copy_frame(cur, t, f) for t, f in records(demo).items()}
    f = findings()
    rows["rectification_items"] = db.copy_frame(cur, "rectification_items", f)
    cur.execute("SELECT setval('rectification_finding_seq', %s)", (len(f),))
    cur.execute("SELECT setval('works_managers_id_seq', (SELECT coalesce(max(id), 1) FROM works_managers))")
    return rows
