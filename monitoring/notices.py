"""Public notices (公示): posting one for a village's cases, the photo of the posted notice (EXIF read and checked as
inspection photos are), objections and what was done about them, and the printable A4 notice in Chinese (name,
villager group, category, reason; never an ID number or a phone)."""
from __future__ import annotations

import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from geo import db
from geo.i18n import label, t
from inspections import photos

from .machine import call

SQL = db.SqlFiles(__file__)   # monitoring/sql/NAME.sql
KINDS = ("identification", "elimination")
CHANNELS = ("in_person", "phone", "letter", "anonymous", "other")
COUNTY_ZONE = timezone(timedelta(hours=8))   # a photo whose EXIF has no zone was taken in the county's time
A4_PORTRAIT_IN = (8.27, 11.69)
ROWS_PER_PAGE = 22


def post(conn, kind: str, village_code: str, case_ids, posted_on: date, place: str | None = None) -> int:
    """Post a notice of the village's assessed cases (identification) or confirmed eliminations; its id. The window
    is the rule set's; the database refuses a case without consent, of another village or in another state."""
    return call(conn, "SELECT mon_post_notice(%s, %s, %s::bigint[], %s, %s)",
                 (kind, village_code, [int(c) for c in case_ids], posted_on, place))


def add_photo(conn, notice_id: int, data: bytes) -> list[str]:
    """Store the photo of a posted notice by its content and record its EXIF; the flags the database found (no
    position or time, far from the village, before the posting or after the window, used before). NotAnImage
    (inspections.photos) when the bytes are not a JPEG or HEIC picture."""
    meta = photos.read_meta(data)
    if meta["time_utc"] is None and meta.get("time_local_naive"):
        local = datetime.fromisoformat(meta["time_local_naive"]).replace(tzinfo=COUNTY_ZONE)
        meta["time_utc"] = local.astimezone(timezone.utc).isoformat()
    path, new = photos.store(data)
    try:
        return list(call(conn, "SELECT mon_add_notice_photo(%s, %s::jsonb)", (int(notice_id), json.dumps(meta))))
    except BaseException:
        if new:
            path.unlink(missing_ok=True)
        raise


def object_to(conn, notice_id: int, case_id: int, received_on: date, channel: str, content: str) -> int:
    """Record an objection to a case on a notice; the case is returned. The objection's id."""
    return call(conn, "SELECT mon_object(%s, %s, %s, %s, %s)",
                 (int(notice_id), int(case_id), received_on, channel, content))


def resolve(conn, objection_id: int, outcome: str) -> None:
    """What was done about an objection."""
    call(conn, "SELECT mon_resolve_objection(%s, %s)", (int(objection_id), outcome))


def listing(conn, village: str | None = None) -> pd.DataFrame:
    """Notices in scope, newest first, with how many cases each lists and its open objections."""
    return db.query_df(conn, SQL("notices"), {"village": village})


def printed(conn, notice_id: int) -> dict:
    """What the printed notice shows: the notice, its village and township, and one row per case."""
    head = db.query_df(conn, SQL("notice_head"), {"notice_id": int(notice_id)})
    if head.empty:
        raise LookupError(f"no notice {notice_id} in your scope")
    rows = db.query_df(conn, SQL("notice_rows"), {"notice_id": int(notice_id)})
    return {**head.iloc[0].to_dict(), "rows": rows}


def pdf(conn, notice_id: int) -> bytes:
    """The notice as A4 pages in Chinese, to print and post (公示): title, what it announces and until when, a table
    of the households (name, villager group, members, category, reason), where to object, the village committee
    and the date. The Chinese font is Debian's fonts-noto-cjk, as the wall map's."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from board.wallmap import cjk_font

    n = printed(conn, notice_id)
    lang = "zh"
    last_day = n["closes_on"] - timedelta(days=1)
    header = [t("mon_notice.col_no", lang), t("mon_notice.col_name", lang), t("mon_notice.col_group", lang),
              t("mon_notice.col_members", lang), t("mon_notice.col_category", lang),
              t(f"mon_notice.col_reason_{n['kind']}", lang)]
    body = [[str(i + 1), _wrap(r.head_name or "", 7), _wrap(r.nv_name or "", 8), str(r.members or ""),
             label("category", r.category, lang), _wrap(_reason(r, n["kind"], lang), 17)]
            for i, r in enumerate(n["rows"].itertuples())]
    pages = [body[i:i + ROWS_PER_PAGE] for i in range(0, max(len(body), 1), ROWS_PER_PAGE)]
    buf = io.BytesIO()
    with plt.rc_context({"font.family": [cjk_font(), "DejaVu Sans"], "axes.unicode_minus": False}), \
            PdfPages(buf, metadata={"Title": t(f"mon_notice.title_{n['kind']}", lang, village=n["village_name"]),
                                    "Creator": "Dixian"}) as out:
        for number, rows in enumerate(pages, start=1):
            fig = plt.figure(figsize=A4_PORTRAIT_IN)
            fig.text(0.5, 0.94, t(f"mon_notice.title_{n['kind']}", lang, village=n["village_name"]), ha="center",
                     fontsize=18, weight="bold")
            fig.text(0.08, 0.885, _wrap(t(f"mon_notice.intro_{n['kind']}", lang, township=n["township_name"] or "",
                                          village=n["village_name"], first=_day(n["posted_on"]),
                                          last=_day(last_day), days=n["window_days"]), 40),
                     fontsize=11, va="top", linespacing=1.7)
            ax = fig.add_axes([0.08, 0.2, 0.84, 0.56])
            ax.axis("off")
            if rows:
                table = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="center",
                                 colWidths=[0.07, 0.14, 0.16, 0.09, 0.17, 0.37])
                table.auto_set_font_size(False)
                table.set_fontsize(10)
                table.scale(1, 1.9)
                for (row, _), cell in table.get_celld().items():   # a row as tall as its longest cell
                    lines = max(str(c).count("\n") + 1 for c in (header if row == 0 else rows[row - 1]))
                    cell.set_height(cell.get_height() * lines)
            fig.text(0.08, 0.15, _wrap(t("mon_notice.objections", lang, last=_day(last_day)), 40), fontsize=11,
                     va="top", linespacing=1.7)
            fig.text(0.92, 0.075, t("mon_notice.signed", lang, village=n["village_name"]), ha="right", fontsize=12)
            fig.text(0.92, 0.05, _day(n["posted_on"]), ha="right", fontsize=12)
            fig.text(0.5, 0.02, t("mon_notice.page", lang, page=number, pages=len(pages), notice=n["id"]),
                     ha="center", fontsize=8, color="#666666")
            out.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def _day(d) -> str:
    return t("mon_notice.day", "zh", year=d.year, month=d.month, day=d.day)


def _reason(row, kind: str, lang: str) -> str:
    """Why the household is on the notice: its risks (identification) or what the elimination rests on."""
    risks = label("risk_type", list(row.risk_types or []), lang)
    if kind == "identification":
        return risks
    measures = label("measure_kind", list(row.measures or []), lang)
    return t("mon_notice.elimination_reason", lang, risks=risks or "—", measures=measures or "—")


_TOKENS = re.compile(r"[0-9A-Za-z.,:/#+-]+|.", re.S)


def _wrap(text: str, width: float) -> str:
    """Chinese text broken into lines of about `width` characters (a Latin letter or digit counts a little over half
    of one), never inside a number or a Latin word: Chinese has no spaces to break at."""
    lines = []
    for para in str(text).split("\n"):
        line, used = "", 0.0
        for token in _TOKENS.findall(para):
            w = 0.55 * len(token) if token.isascii() else float(len(token))
            if line and used + w > width:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + token, used + w
        lines.append(line)
    return "\n".join(lines)
