"""Submitting an inspection: check the submission whole, store it once per client UUID with its photos and flags,
open or close the target's rectification item; and read inspections back."""
from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from geo import db
from geo.frames import gk_zone_srid

from . import forms, photos, validation, workflow
from .auth import Inspector

SQL = db.SqlFiles(__file__)
MAX_DEPTH = 16   # levels of nesting a submission may have (its answers are values or lists of values)


class BadInput(ValueError):
    """A submission refused whole; `problems` are (field, message) pairs; `status` the HTTP status to answer."""

    def __init__(self, problems: list[tuple[str, str]], status: int = 422):
        self.problems = problems
        self.status = status
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


@dataclass
class Submitted:
    id: str
    created: bool
    result: str
    flags: list[dict]


def _time(value, name: str, problems: list) -> datetime | None:
    if not isinstance(value, str):
        problems.append((name, "required: an ISO 8601 time with its zone, e.g. 2026-11-23T10:15:00+08:00"))
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append((name, f"not an ISO 8601 time: {value!r}"))
        return None
    if t.tzinfo is None:
        problems.append((name, "needs the device's zone offset, e.g. +08:00"))
        return None
    return t


def _number(v, name: str, lo: float, hi: float, problems: list, required: bool = True) -> float | None:
    if v is None:
        if required:
            problems.append((name, "required"))
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        problems.append((name, "expected a number"))
        return None
    if not lo <= v <= hi:
        problems.append((name, f"out of range {lo:g} to {hi:g}"))
        return None
    return float(v)


def unstorable(value, name: str = "") -> list[tuple[str, str]]:
    """The fields of a JSON value that cannot be stored: text or a key holding a NUL character (PostgreSQL's text and
    jsonb refuse it), or nesting deeper than MAX_DEPTH; named as 'answers.notes', 'answers.x[2]'."""
    problems, todo = [], [(value, name, 1)]
    while todo:
        v, at, depth = todo.pop()
        if depth > MAX_DEPTH:
            problems.append((at.split("[")[0] or "submission", f"nested deeper than {MAX_DEPTH} levels"))
        elif isinstance(v, str) and "\x00" in v:
            problems.append((at or "submission", "contains a NUL character"))
        elif isinstance(v, dict):
            for k, item in v.items():
                field = f"{at}.{k}" if at else str(k)
                if "\x00" in str(k):
                    problems.append((field, "contains a NUL character"))
                else:
                    todo.append((item, field, depth + 1))
        elif isinstance(v, list):
            todo.extend((item, f"{at}[{i}]", depth + 1) for i, item in enumerate(v))
    return list(dict.fromkeys(problems))


def parse(sub) -> dict:
    """The submission's fields, typed; BadInput lists every problem (fields named as in the JSON)."""
    if not isinstance(sub, dict):
        raise BadInput([("submission", "expected a JSON object")])
    bad = unstorable(sub)
    if bad:
        raise BadInput(bad)
    problems: list[tuple[str, str]] = []
    out: dict = {}
    try:
        out["id"] = str(uuid.UUID(str(sub.get("id"))))
    except ValueError:
        problems.append(("id", "required: a UUID the device generated for this submission"))
    kind = sub.get("kind")
    if kind not in forms.kinds():
        problems.append(("kind", f"expected one of {', '.join(forms.kinds())}"))
    else:
        out["kind"] = kind
        out["target_kind"] = forms.load(kind).target_kind
    tid = sub.get("target_id")
    if not isinstance(tid, (str, int)) or str(tid).strip() == "":
        problems.append(("target_id", "required: the id of the household, house, source, site, asset or road"))
    else:
        out["target_id"] = str(tid)
    out["started_at"] = _time(sub.get("started_at"), "started_at", problems)
    out["submitted_at"] = _time(sub.get("submitted_at"), "submitted_at", problems)
    if out["started_at"] and out["submitted_at"] and out["submitted_at"] < out["started_at"]:
        problems.append(("submitted_at", "earlier than started_at"))
    off = sub.get("utc_offset_min")
    if off is None and out["started_at"] is not None:
        off = int(out["started_at"].utcoffset() / timedelta(minutes=1))
    if off is not None or out["started_at"] is not None:  # else started_at's problem says it already
        out["utc_offset_min"] = _number(off, "utc_offset_min", -720, 840, problems)
    loc = sub.get("location")
    if not isinstance(loc, dict):
        problems.append(("location", "required: {lon, lat, accuracy_m}"))
    else:
        out["lon"] = _number(loc.get("lon"), "location.lon", -180, 180, problems)
        out["lat"] = _number(loc.get("lat"), "location.lat", -90, 90, problems)
        out["accuracy_m"] = _number(loc.get("accuracy_m"), "location.accuracy_m", 0, 1e6, problems, required=False)
    answers = sub.get("answers", {})
    if "kind" in out:
        try:
            out["answers"], out["result"] = forms.check(forms.load(out["kind"]), answers)
        except forms.FormError as err:
            problems.extend(err.problems)
    ref = sub.get("reinspection_of")
    out["reinspection_of"] = None
    if ref is not None:
        try:
            out["reinspection_of"] = str(uuid.UUID(str(ref)))
        except ValueError:
            problems.append(("reinspection_of", "expected the UUID of the inspection re-inspected"))
    if problems:
        raise BadInput(problems)
    return out


def read_photos(files: list[tuple[str, bytes]]) -> list[tuple[bytes, dict]]:
    """Each uploaded photo with its metadata; BadInput names each one that is not a JPEG or HEIC image."""
    problems, out = [], []
    for i, (name, data) in enumerate(files):
        try:
            out.append((data, photos.read_meta(data)))
        except photos.NotAnImage as err:
            problems.append((f"photos[{i}] ({name})", str(err)))
    if problems:
        raise BadInput(problems)
    return out


def _photo_utc(meta: dict, utc_offset_min: int) -> datetime | None:
    """The photo's instant: from the file when it says its zone, else its local time read in the device's zone."""
    if meta["time_utc"]:
        return datetime.fromisoformat(meta["time_utc"].replace("Z", "+00:00"))
    if meta.get("time_local_naive"):
        local = datetime.fromisoformat(meta["time_local_naive"])
        return local.replace(tzinfo=timezone(timedelta(minutes=utc_offset_min)))
    return None


def submit(conn, inspector: Inspector, submission, files: list[tuple[str, bytes]] = ()) -> Submitted:
    """Store one inspection with its photos and flags in one transaction; a UUID already stored returns that record.

    BadInput (nothing stored) for a malformed submission, an unknown target, or a photo that is not an image."""
    sub = parse(submission)
    pics = read_photos(list(files))
    with conn.cursor() as cur:
        existing = _existing(cur, sub["id"], inspector)
        if existing:
            conn.rollback()
            return existing
        cur.execute(SQL("target"), sub)
        target = cur.fetchone()
        if target is None:
            conn.rollback()
            raise BadInput([("target_id", f"no {sub['target_kind']} with id {sub['target_id']!r}")], 422)
        village_code = target[3]
        if not inspector.covers(village_code):
            conn.rollback()
            raise BadInput([("target_id", f"{sub['target_id']} is outside your scope {inspector.scope_code}")], 403)
        if sub["reinspection_of"]:
            cur.execute("SELECT target_kind, target_id FROM inspections WHERE id = %s", (sub["reinspection_of"],))
            orig = cur.fetchone()
            if orig != (sub["target_kind"], sub["target_id"]):
                conn.rollback()
                raise BadInput([("reinspection_of", "no inspection of this same target with that id")], 422)
        written: list = []
        try:
            cur.execute(SQL("insert_inspection"), {
                **sub, "answers": json.dumps(sub["answers"], ensure_ascii=False), "village_code": village_code,
                "inspector_id": inspector.id, "metric_srid": db.metric_srid(cur) or gk_zone_srid(sub["lon"])})
            if cur.fetchone() is None:  # a concurrent post of the same UUID committed first
                conn.rollback()
                with conn.cursor() as cur2:
                    return _existing(cur2, sub["id"], inspector)
            for data, meta in pics:
                t = _photo_utc(meta, sub["utc_offset_min"])
                cur.execute(SQL("insert_photo"), {
                    **meta, "inspection_id": sub["id"], "phash": photos.phash_int(meta["phash"]), "time_utc": t})
            flags = validation.compute(cur, sub["id"], sub["target_kind"])
            validation.store(cur, sub["id"], flags)
            workflow.log(cur, sub["id"], inspector, None, "submitted", None)
            workflow.rectify(cur, sub["id"])
            for data, _ in pics:
                path, new = photos.store(data)
                if new:
                    written.append(path)
            stored_flags = validation.stored(cur, sub["id"])
            conn.commit()
        except BaseException:
            conn.rollback()
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return Submitted(sub["id"], True, sub["result"], stored_flags)


def _existing(cur, inspection_id: str, inspector: Inspector) -> Submitted | None:
    cur.execute("SELECT inspector_id, result FROM inspections WHERE id = %s", (inspection_id,))
    row = cur.fetchone()
    if row is None:
        return None
    if row[0] != inspector.id:
        raise BadInput([("id", "this UUID belongs to another inspector's submission; generate a new one")], 409)
    return Submitted(inspection_id, False, row[1], validation.stored(cur, inspection_id))


_TABLES = {"household": "households", "house": "houses", "water_source": "water_sources",
           "relocation_site": "relocation_sites", "asset": "assets", "road": "roads"}


def target_record(cur, target_kind: str, target_id: str) -> dict | None:
    """The target's row (without geometries), to prefill a form from what the system already knows."""
    table = _TABLES[target_kind]  # a fixed name from this map, never the caller's text
    cur.execute(f"SELECT to_jsonb(t) - 'geom' - 'geom_m' - 'protection_zone' - 'protection_zone_m' "
                f"FROM {table} t WHERE id = %s", (target_id,))
    row = cur.fetchone()
    return row[0] if row else None


def get(cur, inspection_id: str) -> dict | None:
    """One inspection with its flags, photos and review history, as JSON-ready values."""
    cur.execute("""SELECT i.id, i.kind, i.target_kind, i.target_id, i.village_code, i.inspector_id, n.name,
                          i.answers, i.result, i.review_state, i.started_at, i.submitted_at, i.received_at,
                          i.utc_offset_min, ST_X(i.geom), ST_Y(i.geom), i.accuracy_m, i.reinspection_of
                   FROM inspections i JOIN inspectors n ON n.id = i.inspector_id WHERE i.id = %s""",
                (inspection_id,))
    row = cur.fetchone()
    if row is None:
        return None
    keys = ["id", "kind", "target_kind", "target_id", "village_code", "inspector_id", "inspector", "answers",
            "result", "review_state", "started_at", "submitted_at", "received_at", "utc_offset_min", "lon", "lat",
            "accuracy_m", "reinspection_of"]
    rec = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in zip(keys, row)}
    rec["id"] = str(rec["id"])
    rec["reinspection_of"] = rec["reinspection_of"] and str(rec["reinspection_of"])
    rec["flags"] = validation.stored(cur, inspection_id)
    cur.execute("""SELECT sha256, format, bytes, lat, lon, altitude_m, accuracy_m, time_utc, time_local, make, model
                   FROM inspection_photos WHERE inspection_id = %s ORDER BY sha256""", (inspection_id,))
    cols = [d.name for d in cur.description]
    rec["photos"] = [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in zip(cols, r)}
                     for r in cur.fetchall()]
    rec["history"] = workflow.history(cur, inspection_id)
    return rec


def listing(conn, prefix: str = "", states: list[str] | None = None, flagged_only: bool = False,
            limit: int = 500):
    """Inspections in a scope for the review page (a DataFrame, newest first)."""
    df = db.query_df(conn, SQL("listing"), {"prefix": prefix, "states": states, "flagged_only": flagged_only,
                                            "lim": limit})
    conn.rollback()
    return df

