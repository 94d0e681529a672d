"""Schedules going overdue, per inspector and per village; the map's inspection and overdue layers."""
from datetime import date

import inspections_world as w
from inspections import mapdata, records, schedule, workflow
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def row(df, kind, target):
    got = df[(df["kind"] == kind) & (df["target_id"] == target)]
    return None if got.empty else got.iloc[0]


def test_monitored_household_goes_overdue_after_a_month(conn, world):
    # last visited 2026-10-01: the monitored H1 is due 2026-10-31, the general H2 on 2027-10-01
    before = schedule.due(conn, as_of=date(2026, 10, 30), within_days=0)
    assert row(before, "household_visit", "H1") is None
    on_day = schedule.due(conn, as_of=date(2026, 10, 31), within_days=0)
    h1 = row(on_day, "household_visit", "H1")
    assert str(h1["due_on"]) == "2026-10-31" and h1["days_overdue"] == 0 and not h1["overdue"]
    late = schedule.overdue(conn, as_of=date(2026, 11, 23))
    h1 = row(late, "household_visit", "H1")
    assert h1["days_overdue"] == 23 and h1["inspector"] == "李监测员、王监测员"
    assert row(late, "household_visit", "H2") is None
    year_on = schedule.overdue(conn, as_of=date(2027, 10, 5))
    assert row(year_on, "household_visit", "H2")["days_overdue"] == 4
    # never-patrolled works are due at once, not yet overdue
    assert row(schedule.due(conn, as_of=date(2026, 11, 23), within_days=0), "water_works_patrol", "W1") is not None


def test_a_visit_resets_the_schedule_and_a_returned_one_does_not(conn, world):
    sub = w.submission("H1", w.H1, start="2026-11-20T10:00:00+08:00", end="2026-11-20T10:20:00+08:00")
    iid = records.submit(conn, world["insp"], sub, []).id
    late = schedule.overdue(conn, as_of=date(2026, 11, 23))
    assert row(late, "household_visit", "H1") is None
    h1 = row(schedule.due(conn, as_of=date(2026, 12, 25), within_days=0), "household_visit", "H1")
    assert str(h1["due_on"]) == "2026-12-20" and h1["days_overdue"] == 5
    workflow.transition(conn, iid, world["village"], "returned", "不在现场 / not on site")
    assert row(schedule.overdue(conn, as_of=date(2026, 11, 23)), "household_visit", "H1")["days_overdue"] == 23


def test_per_inspector_and_per_village(conn, world):
    mine = schedule.for_inspector(conn, world["insp"], as_of=date(2026, 11, 23))
    assert set(mine["target_id"]) == {"H1", "HS1", "W1"}
    theirs = schedule.for_inspector(conn, world["other"], as_of=date(2027, 10, 5))
    assert set(theirs["target_id"]) == {"H3"}
    v = schedule.by_village(conn, as_of=date(2026, 11, 23)).set_index("village_code")
    assert v.loc[w.V1, "overdue"] == 1 and v.loc[w.V1, "max_days_overdue"] == 23 and v.loc[w.V1, "due"] == 4
    assert w.V2 not in v.index


def test_map_layers(conn, world):
    ok = records.submit(conn, world["insp"], w.submission("H1", w.H1), [])
    records.submit(conn, world["insp"], w.submission("H2", w.H2, answers=w.household_answers(False),
                                                     start="2026-11-23T11:00:00+08:00",
                                                     end="2026-11-23T11:10:00+08:00", accuracy=3), [
        ("p.jpg", w.jpeg(seed=1, lat=w.H2[1], lon=w.H2[0], when="2026:11:23 11:05:00", tz="+08:00"))])
    workflow.transition(conn, ok.id, world["village"], "village_verified")
    g = mapdata.map_features(conn)
    assert g.crs.to_epsg() == 4490
    assert list(g.columns) == ["id", "kind", "target_kind", "target_id", "result", "review_state", "flags",
                               "flagged", "inspector", "submitted_at", "geometry"]
    first, second = g.iloc[0], g.iloc[1]
    assert (first["result"], first["review_state"], first["flags"], first["flagged"]) == \
        ("pass", "village_verified", ["no_photo"], True)
    assert (second["result"], second["flags"], second["flagged"]) == ("fail", [], False)
    assert (round(first.geometry.x, 6), round(first.geometry.y, 6)) == w.H1
    assert len(mapdata.map_features(conn, w.T2)) == 0 and len(mapdata.map_features(conn, w.T1)) == 2
    od = mapdata.overdue_features(conn, as_of=date(2027, 1, 1))
    assert od.crs.to_epsg() == 4490
    assert list(od.columns) == ["kind", "target_kind", "target_id", "due_on", "days_overdue", "inspector", "geometry"]
    # never-checked works and houses are due at once, not overdue; H2 (general) is next due in 2027
    assert set(od["target_id"]) == {"H1"}
    assert od.set_index("target_id").loc["H1", "days_overdue"] == 9  # visited 11-23, due 12-23
