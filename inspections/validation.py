"""Validation that flags, never blocks: GPS quality and distance, county bounds, photo evidence, travel speed, mock
locations. Every flag is stored beside its inspection (inspection_flags) and shown to reviewers."""
from __future__ import annotations

import json

from geo import db
from geo.settings import settings

SQL = db.SqlFiles(__file__)

# code → (Chinese, English)
FLAGS = {
    "gps_accuracy_poor": ("GPS 精度差", "GPS accuracy worse than the limit"),
    "gps_accuracy_missing": ("未报告 GPS 精度", "No GPS accuracy reported"),
    "gps_accuracy_zero": ("GPS 精度为 0（疑似模拟定位）", "GPS accuracy 0 (typical of mock locations)"),
    "far_from_target": ("位置离对象过远", "Position too far from the target"),
    "outside_county": ("位置在县域外", "Position outside the county"),
    "position_repeated": ("位置与以前记录完全相同（疑似模拟定位）", "Position exactly equal to an earlier one (mock location?)"),
    "too_fast": ("相邻两次检查间移动速度过快", "Travel between consecutive checks too fast"),
    "no_photo": ("无现场照片", "No photo"),
    "photo_no_gps": ("照片无 GPS 位置", "Photo has no EXIF position"),
    "photo_far_from_target": ("照片拍摄位置离对象过远", "Photo taken too far from the target"),
    "photo_no_time": ("照片无拍摄时间", "Photo has no EXIF time"),
    "photo_time_outside_visit": ("照片拍摄时间不在走访时段内", "Photo time outside the visit"),
    "photo_reused": ("照片与其他检查重复", "Same photo used in another inspection"),
}


def label(code: str, lang: str = "zh") -> str:
    zh, en = FLAGS.get(code, (code, code))
    return en if lang == "en" else zh


def describe(code: str, detail: dict, lang: str = "zh") -> str:
    """A flag as a reviewer reads it: its label and the numbers behind it."""
    en = lang == "en"
    d = detail or {}
    bits = []
    if "distance_m" in d:
        bits.append(f"{'distance' if en else '距离'} {float(d['distance_m']):,.0f} m")
    if "limit_m" in d:
        bits.append(f"{'limit' if en else '限'} {float(d['limit_m']):,.0f} m")
    if "accuracy_m" in d:
        bits.append(f"{'accuracy' if en else '精度'} {float(d['accuracy_m']):,.0f} m")
    if "minutes" in d:
        bits.append(f"{d['minutes']} {'min' if en else '分钟'} · {'limit' if en else '限'} {d['limit_kmh']:.0f} km/h")
    if "photo_time" in d:
        bits.append(f"{'photo' if en else '拍摄'} {d['photo_time']} · {'visit' if en else '走访'} "
                    f"{d['started_at']} – {d['submitted_at']}")
    if "match" in d:
        bits.append(("exact copy" if en else "完全相同") if d["match"] == "exact" else ("looks the same" if en else "画面相同"))
    if "other" in d or "same_as" in d:
        bits.append(f"{'see' if en else '参见'} {str(d.get('other') or d.get('same_as'))[:8]}")
    return label(code, lang) + ("（" + "，".join(bits) + "）" if bits and not en else f" ({'; '.join(bits)})" if bits else "")


def compute(cur, inspection_id, target_kind: str) -> list[tuple[str, dict]]:
    """The flags of one stored inspection (its photos stored too), from the database as it stands."""
    cur.execute(SQL("flags"), {
        "id": str(inspection_id),
        "radius_m": float(settings.target_radius_m.get(target_kind, 100.0)),
        "max_accuracy_m": float(settings.gps_max_accuracy_m),
        "slack_s": int(settings.photo_time_slack_s),
        "phash_max": int(settings.phash_max_distance),
        "max_kmh": float(settings.max_travel_kmh),
    })
    return [(code, detail) for code, detail in cur.fetchall()]


def store(cur, inspection_id, flags: list[tuple[str, dict]]) -> None:
    for code, detail in flags:
        cur.execute("INSERT INTO inspection_flags (inspection_id, code, detail) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING", (str(inspection_id), code, json.dumps(detail, default=str)))


def stored(cur, inspection_id) -> list[dict]:
    cur.execute("SELECT code, detail FROM inspection_flags WHERE inspection_id = %s ORDER BY code",
                (str(inspection_id),))
    return [{"code": c, "label_zh": label(c, "zh"), "label_en": label(c, "en"), "detail": d}
            for c, d in cur.fetchall()]
