"""The demo county's monitored households as cases, made from the demo's layers and written in the demo's load
(the entry-point group `dixian.demo`, pyproject.toml): histories in every state, measures, notices, objections, a
seeded spot check and departments' alerts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from data.demo import AS_OF, COUNTY_CODE, _RISK_P, _RISKS, _choice, _dates, _names, _rng
from geo import db
from geo.sampling import stratified_sample

# A support measure for each risk type, and the department that runs each kind (the demo's own choice).
_MEASURE_FOR = {"illness": "medical", "disability": "tekun", "education": "education",
                "labour_shortage": "public_welfare_post", "unstable_employment": "employment",
                "disaster": "temporary_relief", "accident": "insurance", "industry_failure": "industry",
                "housing": "housing", "water": "water", "other": "dibao"}
_MEASURE_DEPT = {"medical": "县医疗保障局", "tekun": "县民政局", "dibao": "县民政局", "education": "县教育体育局",
                 "public_welfare_post": "县人力资源和社会保障局", "employment": "县人力资源和社会保障局",
                 "temporary_relief": "县民政局", "insurance": "县乡村振兴局", "industry": "县农业农村局",
                 "housing": "县住房和城乡建设局", "water": "县水务局"}
_ALERTS = [("县医疗保障局", "medical_cost_high", ["illness"]), ("县民政局", "dibao_applied", ["labour_shortage"]),
           ("县残疾人联合会", "disability_certified", ["disability"])]
_FOUND = (["self_declaration", "screening", "department_alert"], [0.3, 0.5, 0.2])
NOTICE_DAYS = 5            # the window the demo's notices were posted with (the rule sets' notice_days)
SPOT_SEED, SPOT_RATE = 2026, 0.5


def _day(days_before) -> str:
    return str(_dates(np.array([days_before]))[0])


def _at(days_before, hour: int) -> str:
    """A moment `days_before` days before AS_OF, in the county's zone."""
    return f"{_day(days_before)} {hour:02d}:00:00+08"


class _Cases:
    """The rows of the monitoring tables as the demo writes them, each case's steps in order."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.people = {"village_monitor": _names(rng, 40), "township_officer": _names(rng, 16),
                       "county_planner": _names(rng, 6)}
        self.cases, self.log, self.measures, self.notices, self.notice_cases = [], [], [], [], []
        self.objections, self.spot_checks, self.spot_items = [], [], []

    def person(self, role: str, but: str | None = None) -> str:
        pool = [p for p in self.people[role] if p != but]
        return str(pool[self.rng.integers(len(pool))])

    def case(self, household: str, village: str, category: str, risks: list, found_by: str, **more) -> int:
        cid = len(self.cases) + 1
        self.cases.append({"id": cid, "household_id": household, "village_code": village, "category": category,
                           "risk_types": list(risks), "found_by": found_by, "round": 1, "historical": False,
                           "proposed_on": None, "identified_on": None, "elimination_proposed_on": None,
                           "eliminated_on": None, "consent_on": None, "consent_by_login": None,
                           "support_contact": None, "income_per_capita": None, "reason": None, **more})
        return cid

    def step(self, cid: int, day: int, hour: int, action: str, frm, to: str, level: str | None, review: bool,
             who: str, role: str | None, reason: str | None = None, rnd: int = 1) -> None:
        self.log.append({"case_id": cid, "at": _at(day, hour), "recorded_at": _at(day, hour), "actor_login": who,
                         "actor_role": role, "action": action, "from_state": frm, "to_state": to, "round": rnd,
                         "level": level, "review": review, "reason": reason})
        row = self.cases[cid - 1]
        if frm != to:
            row["state"], row["state_since"], row["round"] = to, _at(day, hour), rnd

    def identification(self, cid: int, end: str, start: int, consent: bool = True) -> dict:
        """The identification chain of a case from its proposal `start` days before AS_OF, as far as `end`;
        the people who took each step."""
        who = {"proposer": self.person("village_monitor")}
        who["assessor"] = self.person("village_monitor", but=who["proposer"])
        who["township"] = self.person("township_officer")
        who["county"] = self.person("county_planner")
        row = self.cases[cid - 1]
        row["proposed_on"] = _day(start)
        self.step(cid, start, 9, "propose", None, "proposed", "village", False, who["proposer"], "village_monitor",
                  row["reason"])
        if consent:
            row["consent_on"], row["consent_by_login"] = _day(start - 1), who["proposer"]
            self.step(cid, start - 1, 10, "consent", "proposed", "proposed", "village", False, who["proposer"],
                      "village_monitor", _day(start - 1))
        if end == "proposed":
            return who
        self.step(cid, start - 3, 15, "assess", "proposed", "village_assessed", "village", True, who["assessor"],
                  "village_monitor", "村级研判：符合监测对象识别条件")
        return who

    def notice(self, kind: str, village: str, cids: list, day: int, who: str) -> int:
        nid = len(self.notices) + 1
        self.notices.append({"id": nid, "kind": kind, "village_code": village, "posted_on": _day(day),
                             "window_days": NOTICE_DAYS, "place": "村务公开栏", "posted_by_login": who,
                             "created_at": _at(day, 11)})
        to = "notice" if kind == "identification" else "elimination_notice"
        frm = "village_assessed" if kind == "identification" else "elimination_confirmed"
        for cid in cids:
            self.notice_cases.append({"notice_id": nid, "case_id": cid})
            self.step(cid, day, 11, "notice", frm, to, "village", False, who, "village_monitor", f"#{nid}",
                      self.cases[cid - 1]["round"])
        return nid

    def measure(self, cid: int, kind: str, risks: list, start: int, end: int | None = None) -> None:
        self.measures.append({"case_id": cid, "kind": kind, "risk_types": list(risks),
                              "department": _MEASURE_DEPT[kind], "start_on": _day(start),
                              "end_on": None if end is None else _day(end),
                              "amount_yuan": float(self.rng.integers(5, 80) * 100),
                              "state": "in_effect" if end is None else "ended", "note": None})

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables in the order they are written (each one's references before it)."""
        return {"mon_cases": pd.DataFrame(self.cases), "mon_case_log": pd.DataFrame(self.log),
                "mon_measures": pd.DataFrame(self.measures), "mon_notices": pd.DataFrame(self.notices),
                "mon_notice_cases": pd.DataFrame(self.notice_cases), "mon_objections": pd.DataFrame(self.objections),
                "mon_spot_checks": pd.DataFrame(self.spot_checks),
                "mon_spot_check_items": pd.DataFrame(self.spot_items)}


def _monitoring(rng, households: pd.DataFrame, hh_village: np.ndarray) -> dict[str, pd.DataFrame]:
    """The monitored households' cases as the platform would hold them after its first years (monitoring/,
    migrations 620–621). Every identified monitored household has its identification history (proposal, consent,
    the village's assessment, a public notice, the township's review, the county's confirmation) and support
    measures matched to its risks (some recent ones still without one, a second risk sometimes unanswered); a few
    of them are in each state of the elimination chain, with a seeded spot check. Other households are newly
    proposed, in every state of identification: a notice whose window is still open, a return, an objection
    answered and one not yet, a case not included. A few departments' alerts wait for their signals. Households
    eliminated before (the planted early eliminations among them) are left to mon_import_cases, as a county's
    migrated records would be."""
    book = _Cases(rng)
    hid = households["id"].to_numpy()
    cat = households["category"].to_numpy()
    state = households["monitor_state"].to_numpy()
    risks = households["risk_types"].to_numpy()
    contact = households["support_contact"].to_numpy()
    members = households["members"].to_numpy()
    ident = households["identified_on"].to_numpy()
    n_mon = int(np.isin(cat, ["unstable", "marginal", "sudden_hardship"]).sum())
    k = max(2, round(0.006 * n_mon))

    # identified monitored households, each with its identification history and measures
    rich = np.flatnonzero(np.isin(state, ["identified", "under_support"]))
    ident_days = np.array([int((AS_OF - np.datetime64(ident[i])).astype(int)) for i in rich])
    case_of = {}
    for i, d in zip(rich, ident_days):
        found = _choice(rng, *_FOUND, 1)[0]
        cid = book.case(hid[i], hh_village[i], cat[i], risks[i], found, support_contact=contact[i],
                        reason="农户申请" if found == "self_declaration" else
                        ("走访排查发现风险" if found == "screening" else "部门筛查预警"))
        who = book.identification(cid, "village_assessed", d + 28)
        case_of[i] = (cid, who, d)
    # one notice per village and five days of identifications, posted after every assessment it lists, its window
    # closed before any of them was reviewed
    groups: dict = {}
    for i, (cid, who, d) in case_of.items():
        groups.setdefault((hh_village[i], d // NOTICE_DAYS), []).append(i)
    for (village, _), members_i in sorted(groups.items()):
        first = min(case_of[i][2] for i in members_i)
        book.notice("identification", village, [case_of[i][0] for i in members_i], first + 21,
                    case_of[members_i[0]][1]["assessor"])
    for i, (cid, who, d) in case_of.items():
        book.step(cid, d + 12, 16, "review", "notice", "township_reviewed", "township", True, who["township"],
                  "township_officer", "乡镇审核：材料齐全，公示无异议")
        book.step(cid, d, 17, "confirm", "township_reviewed", "identified", "county", True, who["county"],
                  "county_planner", "县级确认纳入")
        book.cases[cid - 1]["identified_on"] = _day(d)
        rs = list(risks[i]) or ["other"]
        if state[i] == "under_support" or rng.random() < 0.5:
            answered = rs if len(rs) == 1 or rng.random() < 0.7 else rs[:1]
            for r in answered:
                start = max(0, d - int(rng.integers(0, 31)))
                book.measure(cid, _MEASURE_FOR[r], [r], start)
            if state[i] == "under_support" and d > 400 and rng.random() < 0.3:
                book.measure(cid, "temporary_relief", rs[:1], d - 10, d - 100)

    # the elimination chain: cases supported long enough, a few in each state; one spot check over some of them
    ripe = [i for i in case_of if state[i] == "under_support" and case_of[i][2] >= 130]
    ripe = [ripe[j] for j in rng.permutation(len(ripe))]
    townships = pd.Series([hh_village[i][:9] for i in ripe]).value_counts()
    top = set(townships.index[:2])
    pool_i = [i for i in ripe if hh_village[i][:9] in top][:3 * k]
    rest = [i for i in ripe if i not in set(pool_i)]

    def eliminate_upto(i, stop: str, start: int) -> None:
        cid, who, d = case_of[i]
        contact_name = str(contact[i] or who["proposer"]).split("（")[0]
        book.cases[cid - 1]["elimination_proposed_on"] = _day(start)
        book.step(cid, start, 9, "propose_elimination", "identified", "elimination_proposed", "village", False,
                  contact_name, "village_monitor", "帮扶后家庭收入稳定，风险已消除", rnd=2)
        if stop == "elimination_proposed":
            return
        book.step(cid, start - 2, 15, "assess", "elimination_proposed", "elimination_village_assessed", "village",
                  True, who["assessor"], "village_monitor", "村级研判：收入稳定，同意消除", rnd=2)
        if stop == "elimination_village_assessed":
            return
        book.step(cid, start - 4, 16, "review", "elimination_village_assessed", "elimination_township_reviewed",
                  "township", True, who["township"], "township_officer", "乡镇审核同意", rnd=2)

    for j, i in enumerate(rest[:3 * k]):
        eliminate_upto(i, ("elimination_proposed", "elimination_village_assessed",
                           "elimination_township_reviewed")[j % 3], 4 + 6 * (j % 3))
    for i in pool_i:
        eliminate_upto(i, "elimination_township_reviewed", 30)
    if pool_i:
        county = book.person("county_planner")
        pool = pd.DataFrame({"id": [case_of[i][0] for i in pool_i], "township_code": [hh_village[i][:9]
                                                                                      for i in pool_i]})
        sampled = sorted(int(c) for c in stratified_sample(pool, SPOT_SEED, SPOT_RATE)["id"])
        book.spot_checks.append({"id": 1, "seed": SPOT_SEED, "rate": SPOT_RATE, "scope_code": COUNTY_CODE,
                                 "drawn_by_login": county, "drawn_at": _at(22, 10)})
        stay = set(sampled[:(len(sampled) + 1) // 2])
        onward = []
        for cid, township in zip(pool["id"], pool["township_code"]):
            picked = cid in sampled
            book.step(cid, 22, 10, "draw", "elimination_township_reviewed",
                      "elimination_spot_check" if picked else "elimination_confirmed", "county", True, county,
                      "county_planner", f"#1 · {SPOT_SEED}", rnd=2)
            passed = picked and cid not in stay
            if passed:
                book.step(cid, 18, 15, "spot_check", "elimination_spot_check", "elimination_confirmed", "county",
                          True, county, "county_planner", "县级抽查复核：入户核实收入稳定", rnd=2)
            book.spot_items.append({"spot_check_id": 1, "case_id": cid, "township_code": township,
                                    "sampled": picked, "result": "pass" if passed else None,
                                    "checked_at": _at(18, 15) if passed else None})
            if cid not in stay:
                onward.append(cid)
        by_village: dict = {}
        for cid in onward[::2]:   # every other confirmed elimination is on notice, its window closed yesterday
            by_village.setdefault(book.cases[cid - 1]["village_code"], []).append(cid)
        for village, cids in sorted(by_village.items()):
            book.notice("elimination", village, cids, 6, book.person("village_monitor"))

    # new proposals of other households, in every state of identification
    fresh = np.flatnonzero(np.isin(cat, ["general", "exited"]))
    fresh = fresh[rng.permutation(len(fresh))][:8 * k + 6]
    plan = (["proposed"] * k + ["village_assessed"] * k + ["notice"] * k + ["township_reviewed"] * k
            + ["returned"] * k + ["objection_answered", "objection_open"] + ["not_included"] * k)
    at_notice: dict = {}
    for i, end in zip(fresh, plan):
        category = "unstable" if cat[i] == "exited" else str(_choice(rng, ["marginal", "sudden_hardship"],
                                                                   [0.7, 0.3], 1)[0])
        rs = sorted(set(_choice(rng, _RISKS, _RISK_P, 1 + int(rng.random() < 0.3))))
        found = _choice(rng, *_FOUND, 1)[0]
        income = float(rng.integers(38, 66) * 100) if category == "marginal" else None
        cid = book.case(hid[i], hh_village[i], category, rs, found, income_per_capita=income,
                        support_contact=None, reason="农户申请：" + "、".join(rs) if found == "self_declaration"
                        else "走访排查：家庭收入下降")
        start = {"proposed": 3, "village_assessed": 9, "notice": 12, "township_reviewed": 25, "returned": 15,
                 "objection_answered": 20, "objection_open": 12, "not_included": 30}[end]
        consent = end != "village_assessed" or rng.random() < 0.5
        who = book.identification(cid, "proposed" if end == "proposed" else "village_assessed", start, consent)
        if end in ("notice", "township_reviewed", "objection_answered", "objection_open"):
            day = {"notice": 2, "township_reviewed": 19, "objection_answered": 15, "objection_open": 6}[end]
            at_notice.setdefault((end, hh_village[i], day), []).append((cid, who, i))
        elif end in ("returned", "not_included"):
            book.step(cid, start - 5, 16, "return", "village_assessed", "returned", "village", True,
                      book.person("village_monitor", but=who["proposer"]), "village_monitor",
                      "经核实家庭人均纯收入高于监测线，请补充收入证明")
            if end == "not_included":
                book.step(cid, start - 10, 10, "close", "returned", "not_included", "village", False,
                          who["proposer"], "village_monitor", "补充材料后仍不符合识别条件，不予纳入")
    for (end, village, day), items in sorted(at_notice.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        nid = book.notice("identification", village, [c for c, _, _ in items], day, items[0][1]["assessor"])
        for cid, who, i in items:
            if end == "township_reviewed":
                book.step(cid, 10, 16, "review", "notice", "township_reviewed", "township", True, who["township"],
                          "township_officer", "乡镇审核：公示无异议")
            elif end.startswith("objection"):
                answered = end == "objection_answered"
                received = day - 3
                book.objections.append({
                    "notice_id": nid, "case_id": cid, "received_on": _day(received),
                    "channel": "in_person" if answered else "phone",
                    "content": "反映该户子女在县城经商，家庭收入较高" if answered else "反映该户家中新购置小汽车一辆",
                    "recorded_by_login": who["assessor"], "recorded_at": _at(received, 14),
                    "outcome": "经入户核实，反映属实：家庭人均纯收入约 9,800 元，高于监测线" if answered else None,
                    "resolved_by_login": who["assessor"] if answered else None,
                    "resolved_at": _at(received - 4, 10) if answered else None})
                book.step(cid, received, 14, "object", "notice", "returned", "village", False, who["assessor"],
                          "village_monitor", f"#{len(book.objections)}: {book.objections[-1]['content']}")
    frames = book.frames()

    # departments' alerts on households with no case (their signals are raised after the load)
    taken = {c["household_id"] for c in book.cases}
    free = [i for i in np.flatnonzero(np.isin(cat, ["general", "exited"])) if hid[i] not in taken]
    picks = [free[j] for j in rng.permutation(len(free))[:max(3, k)]]
    rows = []
    for n, i in enumerate(picks):
        dept, rule, rs = _ALERTS[n % len(_ALERTS)]
        rows.append({"department": dept, "list_name": f"{dept}2026年11月比对名单", "ref": f"2026-11-{n + 1:03d}",
                     "household_id": hid[i], "rule": rule, "risk_types": rs,
                     "detail": f'{{"members": {int(members[i])}}}', "received_at": _at(5, 9)})
    frames["mon_department_alerts"] = pd.DataFrame(rows)
    return frames


def cases(demo) -> dict[str, pd.DataFrame]:
    """The monitoring tables for a generated demo, in the order they are written; the same seed gives the same."""
    hh = pd.DataFrame(demo.layers["households"].drop(columns="geometry"))
    nv = demo.layers["natural_villages"].set_index("id")["village_code"]
    return _monitoring(_rng(demo.seed, 20), hh, nv.reindex(hh["natural_village_id"]).to_numpy())


def load(cur, demo) -> dict[str, int]:
    """In the demo's load transaction: the cases the import just made, and every earlier case and its history, are
    replaced by the demo's; then the other monitored households become cases as an import makes them (migration
    621's mon_import_cases). Rows written per table."""
    cur.execute("SELECT mon_reset()")
    rows = {table: db.copy_frame(cur, table, frame) for table, frame in cases(demo).items()}
    cur.execute("SELECT mon_import_cases()")
    rows["mon_cases"] += cur.fetchone()[0]
    return rows

