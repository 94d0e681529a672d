"""The county's spot check of eliminations: a seeded sample stratified by township, the same seed giving the same
sample (and a recorded draw verified by drawing again), the database refusing a sample that is not of its pool, of
the wrong size in a township, or drawn at a rate under the rule set's; the sampled re-checked, the rest confirmed."""
from __future__ import annotations

import pytest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from geo.sampling import stratified_sample
from monitoring import machine, spotcheck
from monitoring.machine import Refused
from monitoring_world import COUNTY, T1, photo_dir, world  # noqa: F401 (fixtures)


def pool_of(w) -> list[int]:
    """Five township-reviewed eliminations: three in 一村 and one in 二村 (township 甲乡), one in 三村 (乙乡)."""
    return [w.elimination_reviewed(h) for h in ("H1", "H2", "H3", "H5", "H6")]


def test_same_seed_same_sample_stratified_by_township(world):
    w = world
    ids = pool_of(w)
    pool = spotcheck.pool(w["cp"], COUNTY)
    assert sorted(pool["id"]) == ids
    assert pool.groupby("township_code").size().to_dict() == {T1[:9]: 4, "530427206": 1}
    a = sorted(stratified_sample(pool, 2026, 0.5)["id"])
    assert a == sorted(stratified_sample(pool.sample(frac=1, random_state=3), 2026, 0.5)["id"])
    assert len(a) == 3                                    # ceil(0.5 × 4) + ceil(0.5 × 1)
    others = {tuple(sorted(stratified_sample(pool, s, 0.5)["id"])) for s in range(2020, 2040)}
    assert len(others) > 1                                # the seed matters
    check, sampled = spotcheck.draw(w["cp"], 2026, COUNTY, 0.5)
    assert sampled == a
    states = {c: w.state(c) for c in ids}
    assert {c for c, s in states.items() if s == "elimination_spot_check"} == set(a)
    assert {c for c, s in states.items() if s == "elimination_confirmed"} == set(ids) - set(a)
    v = spotcheck.verify(w["cp"], check)
    assert v["same"] and v["recorded"] == a and v["pool"] == 5 and v["seed"] == 2026
    # a sampled case re-checked: passed goes on, failed goes back to support with the reason
    machine.step(w["cp"], a[0], "elimination_confirmed")
    machine.step(w["cp"], a[1], "identified", "抽查发现收入不稳定")
    with w.owner.cursor() as cur:
        cur.execute("SELECT case_id, result FROM mon_spot_check_items WHERE spot_check_id = %s AND sampled "
                    "ORDER BY case_id", (check,))
        assert dict(cur.fetchall()) == {a[0]: "pass", a[1]: "fail", a[2]: None}
        # a record changed behind the machine no longer verifies
        cur.execute("UPDATE mon_spot_check_items SET sampled = NOT sampled WHERE spot_check_id = %s AND case_id = %s",
                    (check, a[2]))
    w.owner.commit()
    assert not spotcheck.verify(w["cp"], check)["same"]


def test_the_database_checks_the_sample_against_its_own_pool(world):
    w = world
    ids = pool_of(w)

    def draw(sampled, rate=0.5, scope=COUNTY):
        return machine.call(w["cp"], "SELECT mon_draw(%s, %s, %s, %s::bigint[])", (1, rate, scope, sampled))

    def code(fn, *args):
        with pytest.raises(Refused) as err:
            fn(*args)
        return err.value.code, err.value.detail

    assert code(draw, [])[0] == "sample_size"               # nothing drawn would confirm every case unchecked
    got = code(draw, ids[:1] + ids[4:])
    assert got == ("sample_size", {"code": "sample_size", "township": T1[:9], "expected": 2, "got": 1})
    assert code(draw, ids[:2] + ids[4:] + [999])[0] == "not_in_pool"
    assert code(draw, ids[:2] + ids[4:], 0.1)[0] == "rate"            # under the rule set's 20 %
    assert code(machine.call, w["to1"], "SELECT mon_draw(1, 0.5, %s, %s::bigint[])", (COUNTY, ids[:2]))[0] \
        == "out_of_scope"
    assert code(machine.call, w["to1"], "SELECT mon_draw(1, 0.5, %s, %s::bigint[])", (T1, ids[:2]))[0] == "role"
    assert all(w.state(c) == "elimination_township_reviewed" for c in ids)   # nothing moved
    assert draw(ids[:2] + ids[4:]) > 0                                # the right size in each township
    assert [w.state(c) for c in ids] == ["elimination_spot_check"] * 2 + ["elimination_confirmed"] * 2 + \
        ["elimination_spot_check"]
