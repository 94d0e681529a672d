"""An inspector's work for the offline field app, in one bundle: the due checks of their scope, every target they may
check with its position and prefilled answers, the seven forms as the server validates them, and outlines for a
small map without tiles."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

from psycopg2 import sql as pgsql

from accounts import ROLES
from geo import db
from geo.settings import settings

from . import forms, records, schedule
from .auth import Inspector

SQL = db.SqlFiles(__file__)


def prefill_columns() -> dict[str, list[str]]:
    """Per target kind, the columns of its record that some form of that kind prefills from (read off the forms)."""
    out: dict[str, set] = {}
    for kind in forms.kinds():
        form = forms.load(kind)
        out.setdefault(form.target_kind, set()).update(q.prefill for q in form.questions if q.prefill)
    return {k: sorted(v) for k, v in out.items()}


def _records(conn, ids_by_kind: dict[str, list[str]]) -> dict[tuple[str, str], dict]:
    """The prefill columns of the targets' records, one query per target table (whole arrays of ids)."""
    out = {}
    for target_kind, cols in prefill_columns().items():
        ids = ids_by_kind.get(target_kind)
        if not ids or not cols:
            continue
        # identifiers come from the form files and records' fixed table map, never from a request
        q = pgsql.SQL("SELECT id, {} FROM {} WHERE id = ANY(%s)").format(
            pgsql.SQL(", ").join(map(pgsql.Identifier, cols)), pgsql.Identifier(records._TABLES[target_kind]))
        for row in db.query_rows(conn, q, (ids,)):
            out[(target_kind, row[0])] = dict(zip(cols, row[1:]))
    return out


def _json_value(v):
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def bundle(conn, who: Inspector, as_of: date | None = None) -> dict:
    """Everything the field app needs for a day without signal, for `who` (read on `conn`, as the user under RLS)."""
    prefix = who.scope_prefix
    due = schedule.for_inspector(conn, who, as_of=as_of)
    tasks = [{"kind": r.kind, "target_kind": r.target_kind, "target_id": r.target_id,
              "due_on": _json_value(r.due_on), "last_on": _json_value(r.last_on) if r.last_on == r.last_on else None,
              "days_overdue": int(r.days_overdue), "overdue": bool(r.overdue)} for r in due.itertuples()]
    rows = [r for r in db.query_rows(conn, SQL("field_targets"), {"prefix": prefix}) if who.covers(r[3])]
    # beyond the cap, the targets of due checks first
    due_keys = {(t["target_kind"], t["target_id"]) for t in tasks}
    rows.sort(key=lambda r: (r[:2] not in due_keys,))
    total = len(rows)
    rows = rows[:settings.field_max_targets]
    ids_by_kind: dict[str, list[str]] = {}
    for r in rows:
        ids_by_kind.setdefault(r[0], []).append(r[1])
    recs = _records(conn, ids_by_kind)
    kinds_of = {tk: forms.kinds_for(tk) for tk in ids_by_kind}
    targets = []
    for target_kind, target_id, label, village_code, lon, lat in rows:
        rec = recs.get((target_kind, target_id))
        targets.append({
            "target_kind": target_kind, "target_id": target_id, "label": label,
            "village_code": village_code and village_code.strip(),
            "lon": round(lon, 7), "lat": round(lat, 7),
            "prefill": {k: {q: _json_value(v) for q, v in forms.prefill(forms.load(k), rec).items()}
                        for k in kinds_of[target_kind]}})
    outlines = [{"type": "Feature", "geometry": json.loads(g),
                 "properties": {"layer": layer, "id": fid, "name": name, "surface": surface}}
                for layer, fid, name, surface, g in db.query_rows(
                    conn, SQL("field_outlines"),
                    {"prefix": prefix, "tol": settings.map_simplify_deg, "decimals": settings.map_coord_decimals})
                if g is not None]
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "as_of": (as_of or date.today()).isoformat(),
        "inspector": {"id": who.id, "name": who.name, "role": who.role, "scope_code": who.scope_code},
        "role_labels": ROLES,
        "settings": {"gps_max_accuracy_m": settings.gps_max_accuracy_m,
                     "upload_max_bytes": settings.upload_max_bytes,
                     "photo_quality": settings.field_photo_quality,
                     "target_radius_m": settings.target_radius_m},
        "forms": {k: forms.load(k).rows for k in forms.kinds()},
        "tasks": tasks,
        "targets": targets,
        "targets_total": total,
        "outlines": {"type": "FeatureCollection", "features": outlines},
    }
