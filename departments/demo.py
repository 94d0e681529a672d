"""The demo county's departments' lists for one month (2026-11), made from the demo's members with planted crossings
(insurance lost, children dropped out, new disabilities, large medical costs, exited households on dibao) and a few
numbers the register does not know, written as the departments send them (Chinese headers) and taken through the
same reading, checks and matching as `python -m departments import-list`, in the demo's load transaction (the
entry-point group `dixian.demo`)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from data.demo import AS_OF, _names, _rng
from geo import db

from . import lists

PERIOD = str(AS_OF.astype("datetime64[M]"))   # the demo's month, 2026-11
_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def _strangers(rng, n: int) -> list[str]:
    """Well-formed ID numbers from another county (5304 25), which no demo member carries."""
    out = []
    for _ in range(n):
        body = f"530425{rng.integers(1950, 2005)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}" \
               f"{rng.integers(100, 999)}"
        out.append(body + "10X98765432"[int((np.array([int(c) for c in body]) * _W).sum() % 11)])
    return out


def department_lists(demo) -> dict[str, pd.DataFrame]:
    """The month's lists, one frame per kind, with the departments' Chinese headers."""
    rng = _rng(demo.seed, 31)
    m = demo.layers["household_members"]
    hh = demo.layers["households"].set_index("id")
    age = (np.datetime64(AS_OF, "D") - pd.to_datetime(m.birth_date).to_numpy().astype("datetime64[D]")).astype(
        int) / 365.25
    insured = m.insured.to_numpy(dtype=bool)
    pick = lambda mask, p: np.flatnonzero(mask & (rng.random(len(m)) < p))   # noqa: E731
    out = {}
    # 医保: the month's changes: some insured members dropped (crossings), the already uninsured still out.
    dropped = pick(insured, 0.003)
    still = np.flatnonzero(~insured)
    ins = m.iloc[np.r_[dropped, still]]
    out["insurance"] = pd.DataFrame({"姓名": ins.name, "身份证号": ins.id_number, "参保状态": "未参保"})
    # 教育: school-age children no longer enrolled (crossings) and some confirmed in school.
    school_age = (age >= 6) & (age < 16) & (m.school_stage.to_numpy(dtype=object) != "home_teaching")
    enrolled = m.enrolled.to_numpy(dtype=object) == True  # noqa: E712
    left = pick(school_age & enrolled, 0.004)
    stay = pick(school_age & enrolled, 0.05)
    stay = np.setdiff1d(stay, left)
    sch = m.iloc[np.r_[left, stay]]
    out["school"] = pd.DataFrame({"姓名": sch.name, "身份证号": sch.id_number,
                                  "在校状态": ["辍学"] * len(left) + ["在读"] * len(stay)})
    # 残联: newly certified disabilities.
    grade = m.disability_grade.to_numpy(dtype=float, na_value=np.nan)
    new = pick(np.isnan(grade) & (age > 10), 0.002)
    out["disability"] = pd.DataFrame({"姓名": m.name.iloc[new], "身份证号": m.id_number.iloc[new],
                                      "残疾等级": rng.choice(["一级", "二级", "三级", "四级"], len(new))})
    # 医保/卫健: out-of-pocket costs of chronic patients; some above the setting.
    sick = pick(m.chronic_illness.to_numpy(dtype=bool), 0.08)
    cost = np.round(rng.lognormal(8.3, 0.9, len(sick)), -1)
    out["medical"] = pd.DataFrame({"姓名": m.name.iloc[sick], "身份证号": m.id_number.iloc[sick],
                                   "个人自付金额（元）": cost})
    # 民政: heads of households on dibao or tekun; the exited among them are crossings.
    heads = m.relation.to_numpy(dtype=object) == "head"
    cat = hh.category.reindex(m.household_id).to_numpy(dtype=object)
    on = pick(heads & np.isin(cat, ["unstable", "marginal", "sudden_hardship"]), 0.5)
    on = np.r_[on, pick(heads & (cat == "exited"), 0.01)]
    out["dibao"] = pd.DataFrame({"姓名": m.name.iloc[on], "身份证号": m.id_number.iloc[on],
                                 "类别": rng.choice(["低保", "特困"], len(on), p=[0.85, 0.15])})
    # 人社: members in work this year.
    months = m.employed_months.to_numpy(dtype=float, na_value=np.nan)
    work = pick(months > 0, 0.3)
    out["employment"] = pd.DataFrame({"姓名": m.name.iloc[work], "身份证号": m.id_number.iloc[work],
                                      "务工月数": months[work].astype(int),
                                      "务工收入（元）": m.income_yuan.iloc[work].to_numpy()})
    # A few people the register does not know on each list.
    for kind, frame in out.items():
        k = 2 if kind in ("insurance", "dibao") else 1
        extra = {c: None for c in frame.columns}
        rows = [{**extra, "姓名": n, "身份证号": i} for n, i in zip(_names(rng, k), _strangers(rng, k))]
        for r in rows:
            for c in frame.columns:
                if r[c] is None:
                    r[c] = frame[c].iloc[0] if len(frame) else {"参保状态": "未参保", "在校状态": "在读",
                                                                "残疾等级": "三级", "个人自付金额（元）": 1000,
                                                                "类别": "低保", "务工月数": 6}.get(c)
        out[kind] = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    return out


def _alerts_here(cur):
    """Department alerts written in the demo's own transaction (monitoring's department_alerts commits its own, which
    a load must not do halfway); their signals are raised after the demo's checks, as monitoring's own alerts' are."""
    def take(alerts: pd.DataFrame, list_name: str) -> int:
        cur.execute("CREATE TEMP TABLE dept_alerts_in (department text, list_name text, ref text, household_id text, "
                    "rule text, risk_types text[], detail jsonb) ON COMMIT DROP")
        db.copy_rows(cur, "dept_alerts_in", ["department", "list_name", "ref", "household_id", "rule", "risk_types",
                                             "detail"],
                     zip(alerts.department, [list_name] * len(alerts), alerts.ref, alerts.household_id, alerts.rule,
                         [list(r) for r in alerts.risk_types],
                         [json.dumps(d, ensure_ascii=False) for d in alerts.detail]))
        cur.execute("""INSERT INTO mon_department_alerts (department, list_name, ref, household_id, rule, risk_types,
                                                          detail)
                       SELECT department, list_name, ref, household_id, rule, risk_types, detail FROM dept_alerts_in
                       ON CONFLICT (department, ref, household_id, rule) DO NOTHING""")
        cur.execute("DROP TABLE dept_alerts_in")
        return 0   # raised with the others after the demo's checks (monitoring's dixian.checked hook), as its own are

    return take


def load(cur, demo) -> dict[str, int]:
    """The month's lists, through the import's reading and checks, stored in the demo's load transaction."""
    cur.execute("DELETE FROM dept_list_rows")
    cur.execute("DELETE FROM dept_lists")
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for kind, frame in department_lists(demo).items():
            path = Path(tmp) / f"{kind}-{PERIOD}.csv"
            frame.to_csv(path, index=False, encoding="utf-8-sig")
            checked = lists.check_list(lists.read_list(path, kind), kind, path.name)
            lists.store(cur.connection, cur, kind, PERIOD, path.name, checked, _alerts_here(cur))
            rows += len(checked)
    return {"dept_list_rows": rows}
