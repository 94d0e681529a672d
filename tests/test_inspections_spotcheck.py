"""County spot checks: a seeded sample stratified by township, reproducible; re-inspection compared with original."""
import math
import uuid

import pandas as pd

import inspections_world as w
from inspections import records, spotcheck, workflow
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def pool(n_by_township: dict) -> pd.DataFrame:
    rows = [{"id": str(uuid.UUID(int=hash((t, i)) & (2**128 - 1))), "township_code": t}
            for t, n in n_by_township.items() for i in range(n)]
    return pd.DataFrame(rows)


def test_sample_is_reproducible_stratified_and_seed_dependent():
    p = pool({"530427205": 40, "530427206": 25, "530427207": 3})
    a = spotcheck.sample(p, seed=2026, rate=0.1)
    b = spotcheck.sample(p.sample(frac=1, random_state=1), seed=2026, rate=0.1)  # same rows in another order
    assert list(a["id"]) == list(b["id"])
    assert a.groupby("township_code").size().to_dict() == {"530427205": 4, "530427206": 3, "530427207": 1}
    c = spotcheck.sample(p, seed=2027, rate=0.1)
    assert list(c["id"]) != list(a["id"])
    # a township's draw does not depend on the others
    only = spotcheck.sample(p[p["township_code"] == "530427206"], seed=2026, rate=0.1)
    assert list(only["id"]) == list(a[a["township_code"] == "530427206"]["id"])


def test_draw_from_verified_checks_and_compare_reinspection(conn, world):
    ids = []
    for i in range(6):
        start, end = f"2026-11-{10 + i}T10:00:00+08:00", f"2026-11-{10 + i}T10:20:00+08:00"
        ids.append(records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, i), start=start, end=end),
                                  []).id)
    for iid in ids[:5]:
        workflow.transition(conn, iid, world["village"], "village_verified")
    sid, drawn = spotcheck.draw(conn, seed=7, rate=0.5)
    assert len(drawn) == math.ceil(0.5 * 5) and set(drawn["id"]) <= set(ids[:5])
    sid2, drawn2 = spotcheck.draw(conn, seed=7, rate=0.5)
    assert sid2 != sid and list(drawn2["id"]) == list(drawn["id"])
    original = drawn["id"].iloc[0]
    # the county re-inspects and finds the water unsafe
    re = records.submit(conn, world["county"], w.submission(
        "H1", w.offset(w.H1, 40), start="2026-11-30T10:00:00+08:00", end="2026-11-30T10:20:00+08:00",
        answers={**w.household_answers(False), "members": 5}, reinspection_of=original), [])
    cmp = spotcheck.compare(conn, original, re.id)
    assert cmp["same_result"] is False and (cmp["original_result"], cmp["reinspection_result"]) == ("pass", "fail")
    assert {d["question"]: (d["original"], d["reinspection"]) for d in cmp["answer_differences"]} == {
        "drinking_water": ("yes", "no"), "members": (4, 5), "new_risks": (None, ["water"])}
    assert cmp["agreement"] == 1 - 3 / 7 and 30 <= cmp["distance_m"] <= 40
    res = spotcheck.results(conn, sid).set_index("inspection_id")
    assert res.loc[original, "reinspection_id"] == re.id and not res.loc[original, "same_result"]
    # the re-inspection itself is not a candidate for the next draw
    assert re.id not in set(spotcheck.candidates(conn)["id"])
