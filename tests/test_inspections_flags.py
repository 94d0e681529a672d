"""Every validation flag, on constructed cases and on the real phone photo: flagged and stored, never blocked."""
import pytest

import inspections_world as w
from conftest import DATA
from inspections import records
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)

NOKIA = (DATA / "exif-photos" / "HMD_Nokia_8.3_5G.jpg").read_bytes()
IN_VISIT = "2026:11:23 10:05:00"  # local time inside 10:00–10:20 +08:00


def codes(res) -> set[str]:
    return {f["code"] for f in res.flags}


def stored_codes(conn, iid) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT code FROM inspection_flags WHERE inspection_id = %s", (iid,))
        out = {r[0] for r in cur.fetchall()}
    conn.rollback()
    return out


def good_photo(seed=1, where=w.H1):
    return ("p.jpg", w.jpeg(seed=seed, lat=where[1], lon=where[0], when=IN_VISIT, tz="+08:00"))


def test_clean_visit_has_no_flags(conn, world):
    res = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 30, 20)), [good_photo()])
    assert res.created and res.result == "pass"
    assert res.flags == [] and stored_codes(conn, res.id) == set()


def test_gps_accuracy_flags(conn, world):
    poor = records.submit(conn, world["insp"], w.submission("H1", w.H1, accuracy=80), [good_photo(1)])
    assert codes(poor) == {"gps_accuracy_poor"}
    assert poor.flags[0]["detail"] == {"accuracy_m": 80.0, "limit_m": 50.0}
    at_limit = records.submit(conn, world["insp2"], w.submission("H2", w.H2, accuracy=50), [good_photo(2, w.H2)])
    assert codes(at_limit) == set()
    zero = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 5), accuracy=0,
                                                            start="2026-11-24T10:00:00+08:00",
                                                            end="2026-11-24T10:20:00+08:00"), [])
    assert {"gps_accuracy_zero", "no_photo"} == codes(zero)
    missing = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 6), accuracy=None,
                                                               start="2026-11-25T10:00:00+08:00",
                                                               end="2026-11-25T10:20:00+08:00"), [good_photo(3)])
    assert codes(missing) == {"gps_accuracy_missing", "photo_time_outside_visit"}


def test_far_from_target_uses_max_of_radius_and_accuracy(conn, world):
    far = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 500), accuracy=10), [good_photo(1)])
    assert codes(far) == {"far_from_target"}
    d = far.flags[0]["detail"]
    assert d["limit_m"] == 100.0 and 495 < d["distance_m"] < 505
    from inspections.validation import describe
    assert describe("far_from_target", {"distance_m": 500.4, "limit_m": 100.0}) == "位置离对象过远（距离 500 m，限 100 m）"
    # 150 m away but the fix is only good to 160 m: not far (though the accuracy itself is flagged)
    fuzzy = records.submit(conn, world["insp2"], w.submission("H2", w.offset(w.H2, 150), accuracy=160),
                           [good_photo(2, w.H2)])
    assert codes(fuzzy) == {"gps_accuracy_poor"}
    # a road is a line: distance to the nearest point of it (R1 runs along lat 24.04)
    road = records.submit(conn, world["insp"], w.submission(
        "R1", w.offset((101.96, 24.04), 0, 150), kind="road_condition", start="2026-11-23T12:00:00+08:00",
        end="2026-11-23T12:10:00+08:00", answers={"surface": "gravel", "passable": "yes", "damage": "no"}), [])
    assert "far_from_target" not in codes(road)


def test_outside_county(conn, world):
    res = records.submit(conn, world["county"], w.submission("H1", (102.6, 24.05), accuracy=5), [])
    assert {"outside_county", "far_from_target", "no_photo"} == codes(res)


def test_photo_position_missing_and_far(conn, world):
    nogps = ("a.jpg", w.jpeg(seed=7, when=IN_VISIT, tz="+08:00"))
    at_w1 = ("b.jpg", w.jpeg(seed=8, lat=w.W1[1], lon=w.W1[0], when=IN_VISIT, tz="+08:00"))
    res = records.submit(conn, world["insp"], w.submission("H1", w.H1), [nogps, at_w1])
    assert codes(res) == {"photo_no_gps", "photo_far_from_target"}
    far = next(f for f in res.flags if f["code"] == "photo_far_from_target")["detail"]
    assert 2250 < far["distance_m"] < 2380  # 0.02° E, 0.01° N at 24°N and far["limit_m"] == 100.0


def test_photo_time_uses_the_device_zone(conn, world):
    naive = ("n.jpg", w.jpeg(seed=9, lat=w.H1[1], lon=w.H1[0], when=IN_VISIT))  # no offset in the file
    inside = records.submit(conn, world["insp"], w.submission("H1", w.H1), [naive])
    assert codes(inside) == set()
    # the same wall-clock photo from a device on UTC is 18:05 Beijing time: outside the 10:00–10:20 visit
    naive2 = ("n2.jpg", w.jpeg(seed=10, lat=w.H2[1], lon=w.H2[0], when=IN_VISIT))
    outside = records.submit(conn, world["insp2"], w.submission(
        "H2", w.H2, start="2026-11-23T02:00:00+00:00", end="2026-11-23T02:20:00+00:00"), [naive2])
    assert codes(outside) == {"photo_time_outside_visit"}
    no_time = ("t.jpg", w.jpeg(seed=11, lat=w.H1[1], lon=w.H1[0]))
    res = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 3), start="2026-11-24T10:00:00+08:00",
                                                           end="2026-11-24T10:20:00+08:00"), [no_time])
    assert codes(res) == {"photo_no_time"}


def test_same_photo_exact_and_perceptual(conn, world):
    first = records.submit(conn, world["insp"], w.submission("H1", w.H1), [good_photo(12)])
    assert codes(first) == set()
    again = records.submit(conn, world["insp2"], w.submission("H2", w.H2), [good_photo(12)])
    reused = [f for f in again.flags if f["code"] == "photo_reused"]
    assert reused and reused[0]["detail"]["match"] == "exact" and reused[0]["detail"]["other"] == first.id
    # the same picture re-encoded bigger (different bytes, same look)
    bigger = ("c.jpg", w.jpeg(seed=12, lat=w.H1[1], lon=w.H1[0], when=IN_VISIT, tz="+08:00", size=(192, 128)))
    third = records.submit(conn, world["insp"], w.submission("H1", w.offset(w.H1, 4), start="2026-11-23T11:00:00+08:00",
                                                             end="2026-11-23T11:20:00+08:00"), [bigger])
    reused = [f["detail"] for f in third.flags if f["code"] == "photo_reused"]
    assert reused and reused[0]["match"] == "perceptual"
    other = records.submit(conn, world["insp2"], w.submission("H2", w.offset(w.H2, 4), start="2026-11-23T11:00:00+08:00",
                                                              end="2026-11-23T11:20:00+08:00"), [good_photo(13, w.H2)])
    assert "photo_reused" not in codes(other)


def test_travel_too_fast_between_consecutive_checks(conn, world):
    records.submit(conn, world["insp"], w.submission("H1", w.H1), [good_photo(14)])
    ok = records.submit(conn, world["insp"], w.submission("H2", w.H2, start="2026-11-23T10:25:00+08:00",
                                                          end="2026-11-23T10:30:00+08:00"), [])
    assert "too_fast" not in codes(ok)  # 1 km in 10 min
    # H3 is ~30.3 km from H1 (0.25° E, 0.15° N): 25 minutes is ~73 km/h (fine), 5 minutes ~364 km/h (too fast)
    c = world["county"]
    records.submit(conn, c, w.submission("H1", w.offset(w.H1, 2), end="2026-11-23T10:20:00+08:00"), [])
    slow = records.submit(conn, c, w.submission("H3", w.H3, start="2026-11-23T10:30:00+08:00",
                                                end="2026-11-23T10:45:00+08:00"), [])
    assert "too_fast" not in codes(slow)
    fast = records.submit(conn, c, w.submission("H1", w.offset(w.H1, 7), start="2026-11-23T10:46:00+08:00",
                                                end="2026-11-23T10:50:00+08:00"), [])
    d = next(f["detail"] for f in fast.flags if f["code"] == "too_fast")
    assert d["minutes"] == 5.0 and 30000 < d["distance_m"] < 30700 and d["limit_kmh"] == 120.0


def test_position_exactly_repeated(conn, world):
    first = records.submit(conn, world["insp"], w.submission("H1", (101.950123, 24.050456)), [good_photo(15)])
    assert "position_repeated" not in codes(first)
    again = records.submit(conn, world["insp2"], w.submission("H1", (101.950123, 24.050456),
                                                              start="2026-11-23T11:00:00+08:00",
                                                              end="2026-11-23T11:20:00+08:00"), [])
    assert {f["code"]: f["detail"] for f in again.flags}["position_repeated"] == {"same_as": first.id}


def test_real_phone_photo_flags(conn, world):
    """The Nokia photo (Helsinki, August 2022) on a Chinese visit in 2026: its position, time and reuse betray it."""
    res = records.submit(conn, world["insp"], w.submission("H1", w.H1), [("IMG_0001.jpg", NOKIA)])
    by = {f["code"]: f["detail"] for f in res.flags}
    assert set(by) == {"photo_far_from_target", "photo_time_outside_visit"}
    assert by["photo_far_from_target"]["distance_m"] > 5_000_000
    assert by["photo_time_outside_visit"]["photo_time"].startswith("2022-08-14")
    with conn.cursor() as cur:
        cur.execute("SELECT lat, lon, time_utc, time_local, make FROM inspection_photos WHERE inspection_id = %s",
                    (res.id,))
        lat, lon, t, local, make = cur.fetchone()
    assert lat == pytest.approx(60.14671, abs=5e-6) and lon == pytest.approx(24.90677, abs=5e-6)
    assert t.isoformat() == "2022-08-14T19:12:32+08:00" and local == "2022-08-14T14:12:31+03:00"
    assert make == "HMD Global"
    again = records.submit(conn, world["insp2"], w.submission("H2", w.H2), [("copy.jpg", NOKIA)])
    assert "photo_reused" in codes(again)
