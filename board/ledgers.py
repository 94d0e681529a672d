"""Ledgers (台账): each layer as a table in the planner's scope, coded values as words, headers in the county
office's terms (the catalogue's [columns.*]), and the Excel workbook of any table."""
from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
from psycopg2 import sql as psql

from geo import vocab
from geo.cells import neutralise_frame
from geo.i18n import header, label, t, yes_no

# layer -> (columns shown, how the layer reaches the administrative village)
LEDGERS = {
    "households": (["id", "head_name", "category", "monitor_state", "risk_types", "members", "support_contact",
                    "last_visit_on", "identified_on", "natural_village_id"], "natural_village_id"),
    "houses": (["id", "household_id", "grade", "appraised_on", "renovation_state", "idle", "occupied"], "household"),
    "water_sources": (["id", "name", "kind", "status", "capacity_m3_per_day", "people_served", "piped_to_home",
                       "disinfection", "guarantee_rate", "water_manager"], "village_code"),
    "natural_villages": (["id", "name", "households", "population", "poor_households", "monitored_households"],
                         "village_code"),
    "roads": (["id", "name", "surface", "class", "width_m", "all_season", "bus"], None),
    "relocation_sites": (["id", "name", "capacity_households", "relocated_households", "facilities"], "village_code"),
    "assets": (["id", "name", "type", "category", "value_yuan", "fund_source", "accepted_on", "registered_on",
                "owner", "custodian", "maintenance_state"], "village_code"),
}

_SCOPE = {
    "village_code": "LEFT JOIN village_admin va ON va.village_code = x.village_code",
    "natural_village_id": "LEFT JOIN nv_admin va ON va.natural_village_id = x.natural_village_id",
    "household": "LEFT JOIN households hh ON hh.id = x.household_id "
                 "LEFT JOIN nv_admin va ON va.natural_village_id = hh.natural_village_id",
}


def query_ledger(conn, layer: str, township=None, village=None, category=None, limit: int = 200_000) -> pd.DataFrame:
    """The layer's rows in scope (column names fixed per layer here, values always parameters)."""
    cols, via = LEDGERS[layer]
    select = [psql.SQL("x.{}").format(psql.Identifier(c)) for c in cols]
    if via:
        select += [psql.SQL("va.township_name"), psql.SQL("va.village_name")]
        scope = psql.SQL(_SCOPE[via])
        where = psql.SQL("(%(township)s::text IS NULL OR va.township_code = %(township)s) AND "
                         "(%(village)s::text IS NULL OR va.village_code = %(village)s)")
    else:
        scope = psql.SQL("")
        where = psql.SQL("(%(township)s::text IS NULL AND %(village)s::text IS NULL) OR EXISTS (SELECT 1 FROM "
                         "admin_units a WHERE a.code = coalesce(%(village)s, %(township)s) AND a.geom && x.geom "
                         "AND ST_Intersects(a.geom, x.geom))")
    if layer == "households":
        where = psql.SQL("({}) AND (%(category)s::text IS NULL OR x.category = %(category)s)").format(where)
    q = psql.SQL("SELECT {} FROM {} x {} WHERE {} ORDER BY x.id LIMIT %(limit)s").format(
        psql.SQL(", ").join(select), psql.Identifier(layer), scope, where)
    with conn.cursor() as cur:
        cur.execute(q, {"township": township, "village": village, "category": category, "limit": limit})
        names = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)


def labelled(layer: str, df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Coded values as words, yes/no as words, headers as the county office writes them."""
    out = df.copy()
    sep = "、" if lang == "zh" else ", "
    out = out.astype(object).where(out.notna(), None)
    out = out.map(lambda x: float(x) if isinstance(x, Decimal) else x)
    for c in out.columns:
        v = vocab.COLUMN_VOCAB.get((layer, c))
        if v is not None:
            out[c] = out[c].map(lambda x: label(v, x, lang, sep))
        elif out[c].map(lambda x: isinstance(x, bool)).any():
            out[c] = out[c].map(lambda x: yes_no(x, lang) if x is not None else "")
        elif out[c].map(lambda x: isinstance(x, list)).any():
            out[c] = out[c].map(lambda x: sep.join(map(str, x or [])))
    for c in out.columns:   # empty text cells as empty, not 'None' (numbers keep their gaps)
        if out[c].map(lambda x: x is None or isinstance(x, str)).all():
            out[c] = out[c].fillna("")
    names = {c: header(layer, c, lang) for c in out.columns}
    names.update({"township_name": t("township", lang), "village_name": t("village", lang)})
    return out.rename(columns=names)


def title(layer: str, lang: str) -> str:
    return label("layer", layer, lang)


def to_xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    """An Excel workbook of one table: headers bold and frozen, columns wide enough to read, text that would be a
    formula neutralised (geo.cells)."""
    from openpyxl.styles import Font
    df = neutralise_frame(df)
    buf = io.BytesIO()
    sheet = "".join(ch for ch in sheet if ch not in '[]:*?/\\')[:31] or "Sheet1"
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
        ws = xw.sheets[sheet]
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()]) + 2
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(40, max(8, width * 1.3))
    return buf.getvalue()
