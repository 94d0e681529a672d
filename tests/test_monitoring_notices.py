"""Public notices: the photo of the posted notice read for its EXIF and flagged (no position or time, far from the
village, before the posting or after the window, used before), stored by content, never refused; a picture that is
not one refused and nothing kept; the printable A4 notice in Chinese with name, villager group, category and reason,
never an ID number or a phone, paged."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from inspections.photos import NotAnImage
from inspections_world import jpeg
from monitoring import machine, notices
from monitoring.machine import Refused
from monitoring_world import NATURAL_VILLAGES, V1, photo_dir, world  # noqa: F401 (fixtures)


def shot(w, days_after: int, lon: float, lat: float, seed: int) -> bytes:
    """A photo taken `days_after` the posting (local time, with its zone) at lon/lat."""
    when = (w.today + timedelta(days=days_after)).strftime("%Y:%m:%d") + " 10:00:00"
    return jpeg(seed=seed, lat=lat, lon=lon, when=when, tz="+08:00")


def test_notice_photo_exif_checked_and_flagged_never_refused(world, photo_dir):
    w = world
    cid = w.on_notice("H1", days_ago=2)
    nid = int(notices.listing(w["vm1"])["id"].iloc[0])
    x, y = NATURAL_VILLAGES["NV1"][1:]
    good = shot(w, -1, x, y, 1)                                  # a day after it went up, in the village
    assert notices.add_photo(w["vm2"], nid, good) == []
    assert notices.add_photo(w["vm2"], nid, good) == []          # the same photo again: nothing new
    far = shot(w, -3, 102.4, 23.6, 2)                            # before the posting, tens of km away
    assert notices.add_photo(w["vm2"], nid, far) == ["photo_far_from_village", "photo_before_posting"]
    bare = jpeg(seed=3)                                          # no EXIF position or time
    assert notices.add_photo(w["vm2"], nid, bare) == ["photo_no_gps", "photo_no_time"]
    w.on_notice("H2")
    other = int(notices.listing(w["vm1"])["id"].iloc[0])
    assert notices.add_photo(w["vm2"], other, good) == ["photo_before_posting", "photo_reused"]  # posted today
    with w.owner.cursor() as cur:
        cur.execute("SELECT count(*), min(distance_m), max(distance_m) FROM mon_notice_photos WHERE notice_id = %s",
                    (nid,))
        n, near, away = cur.fetchone()
    w.owner.rollback()
    assert n == 3 and near == 0 and away > 20_000
    assert len([p for p in photo_dir.rglob("*") if p.is_file()]) == 3   # by content, the repeat stored once
    with pytest.raises(NotAnImage):
        notices.add_photo(w["vm2"], nid, b"%PDF-1.4 not a photo")
    with pytest.raises(Refused) as err:                          # a county planner does not post notices
        notices.add_photo(w["cp"], nid, shot(w, 0, x, y, 4))
    assert err.value.code == "role"
    assert len([p for p in photo_dir.rglob("*") if p.is_file()]) == 3   # the refused photo's bytes not kept
    assert cid


def test_printed_notice_shows_what_practice_shows_and_no_personal_numbers(world):
    w = world
    ids = [w.assessed(h) for h in ("H1", "H2", "H3")]
    for cid in ids:
        machine.record_consent(w["vm1"], cid, w.today)
    nid = notices.post(w["vm2"], "identification", V1, ids, w.today)
    printed = notices.printed(w["vm1"], nid)
    assert (printed["village_name"], printed["township_name"], printed["window_days"]) == ("一村", "甲乡", 5)
    rows = printed["rows"]
    assert list(rows["head_name"]) == ["户主H1", "户主H2", "户主H3"]
    assert list(rows["nv_name"]) == ["NV1组"] * 3 and list(rows["category"]) == ["marginal"] * 3
    assert not {"id_number", "phone"} & set(rows.columns)
    pdf = notices.pdf(w["vm1"], nid)
    assert pdf.startswith(b"%PDF") and pages(pdf) == 1 and b"NotoSansCJK" in pdf   # drawn in the CJK font
    with pytest.raises(LookupError):
        notices.printed(w["vm_other"], nid)                      # another village's notice is not in scope


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def test_a_long_notice_runs_over_pages(world):
    w = world
    with w.owner.cursor() as cur:   # thirty more households of 一村 (as imported)
        cur.execute("""INSERT INTO households (id, natural_village_id, head_name, members, geom, geom_m)
                       SELECT 'X' || n, 'NV1', '户主X' || n, 2, geom, geom_m FROM households, generate_series(1, 30) n
                       WHERE id = 'H1'""")
    w.owner.commit()
    ids = []
    for n in range(1, 31):
        cid = machine.propose(w["vm1"], f"X{n}", "sudden_hardship", ["disaster"], "screening", "受灾")
        machine.step(w["vm2"], cid, "village_assessed")
        machine.record_consent(w["vm1"], cid, w.today)
        ids.append(cid)
    nid = notices.post(w["vm2"], "identification", V1, ids, w.today)
    assert pages(notices.pdf(w["vm1"], nid)) == 2               # 22 households a page


def test_chinese_lines_break_between_characters_never_inside_a_number():
    from monitoring.notices import _wrap
    text = "公示期自2026年11月14日至2026年11月18日，共5天。" * 3
    for width in (8, 11, 12, 17, 40):
        lines = _wrap(text, width).split("\n")
        assert "".join(lines) == text
        assert all(not (a[-1].isdigit() and b[0].isdigit()) for a, b in zip(lines, lines[1:])), width
        assert all(sum(0.55 if c.isascii() else 1 for c in line) <= width + 2.2 for line in lines), width
