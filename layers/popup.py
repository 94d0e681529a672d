"""A layer's popup declared once: the columns it shows, under which header, written how. The popup, the tooltip and
the columns the layer's SQL must return all derive from the declaration, and every value shown is escaped (names
come from imported files: `<script>` in a name shows as text)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import folium
import numpy as np
import pandas as pd

from geo import i18n

from .base import Shift, feature_collection

Show = Callable[[object, str], str]   # (value, lang) -> the text shown
TIP_SEP = " · "


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NaT


# --- how a value is written: each a callable (value, lang) -> text, and the same rule told to the browser, which writes
# the popups of tiled features itself (layers/tiles.py; static/map/dixian-tiles.js reads `client`) ---------------------

@dataclass(frozen=True)
class coded:
    """A code (or a list of codes) as its label in the catalogue's vocabulary; `sep` (Chinese, English) joins a list."""
    vocabulary: str
    sep: tuple[str, str] | None = None

    def __call__(self, v, lang: str) -> str:
        return i18n.label(self.vocabulary, list(v) if isinstance(v, (list, tuple, np.ndarray)) else v, lang,
                          None if self.sep is None else self.sep[lang == "en"])

    def client(self, lang: str) -> dict:
        sep = self.sep[lang == "en"] if self.sep else ("、" if lang != "en" else ", ")
        return {"coded": {c: i18n.label(self.vocabulary, c, lang) for c in i18n.vocabulary(self.vocabulary)},
                "sep": sep}


@dataclass(frozen=True)
class number:
    """A number with fixed digits and thousands separators ('812', not '812.3456789')."""
    digits: int = 0

    def __call__(self, v, lang: str) -> str:
        return "" if _missing(v) else f"{float(v):,.{self.digits}f}"

    def client(self, lang: str) -> dict:
        return {"number": self.digits}


@dataclass(frozen=True)
class percent:
    """A share (0.25) as a percentage ('25%')."""
    digits: int = 0

    def __call__(self, v, lang: str) -> str:
        return "" if _missing(v) else f"{100 * float(v):.{self.digits}f}%"

    def client(self, lang: str) -> dict:
        return {"percent": self.digits}


@dataclass(frozen=True)
class _Day:
    """A date (or a time) as ISO text."""

    def __call__(self, v, lang: str) -> str:
        return "" if _missing(v) else str(v)

    def client(self, lang: str) -> dict:
        return {}


@dataclass(frozen=True)
class _YesNo:
    """True, False or unknown in words."""

    def __call__(self, v, lang: str) -> str:
        return i18n.yes_no(v, lang)

    def client(self, lang: str) -> dict:
        return {"yes_no": [i18n.yes_no(True, lang), i18n.yes_no(False, lang), i18n.yes_no(None, lang)]}


day = _Day()
yes_no = _YesNo()


# --- the declaration -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One row of a popup: the column it reads, the message that heads it, and how its value is written (None: as
    it is, text escaped, numbers as numbers)."""
    column: str
    header: str
    show: Show | None = None

    @property
    def prop(self) -> str:
        """The feature property the popup reads: the column itself, or its written form beside it."""
        return self.column if self.show is None else f"{self.column}_l"


def _shown(v):
    """A value shown as it is: text escaped, lists as escaped text, numbers as numbers (JSON has them)."""
    if _missing(v):
        return None
    if isinstance(v, str):
        return html.escape(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return html.escape(", ".join(str(x) for x in v))
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (bool, int, float)):
        return v
    return html.escape(str(v))


@dataclass(frozen=True)
class Popup:
    """What a click on a feature shows (`fields`) and what hovering names (`tip`: the columns of 'name · id'; a
    click hands the tooltip to the page, which reads the id after the separator; one column: the name alone)."""
    fields: tuple[Field, ...]
    tip: tuple[str, ...] = ("name", "id")

    @property
    def columns(self) -> set[str]:
        """The columns the layer's SQL must return for this popup."""
        return {f.column for f in self.fields} | set(self.tip)

    def properties(self, df: pd.DataFrame, lang: str, keep: tuple[str, ...] = ()) -> pd.DataFrame:
        """The feature properties: each field as shown (escaped), the tooltip, and the raw `keep` columns the style
        reads (never shown)."""
        missing = (self.columns | set(keep)) - set(df.columns)
        if missing:
            raise KeyError(f"the layer's rows lack {sorted(missing)} (its popup or style reads them)")
        out = pd.DataFrame(index=df.index)
        for c in keep:
            out[c] = df[c]
        for f in self.fields:
            values = df[f.column]
            out[f.prop] = [_shown(v) for v in values] if f.show is None else \
                [html.escape(f.show(v, lang)) for v in values]
        if self.tip:
            parts = [df[c].map(lambda v: "" if _missing(v) else html.escape(str(v))) for c in self.tip]
            out["tip"] = parts[0].str.cat(parts[1:], sep=TIP_SEP) if len(parts) > 1 else parts[0]
        return out

    def brief(self, columns: tuple[str, ...]) -> "Popup":
        """The same popup with only the fields of these columns (what a coarse tile carries)."""
        return Popup(tuple(f for f in self.fields if f.column in columns), self.tip)

    def client(self, lang: str) -> dict:
        """This popup and tooltip as the browser writes them for a tiled feature (static/map/dixian-tiles.js): each
        field's property, header and rule; the tooltip's columns. The browser sets every value as text, never as
        markup; a tile carries a list as one text joined by ';'."""
        return {"fields": [{"p": f.column, "h": i18n.t(f.header, lang),
                            "f": None if f.show is None else f.show.client(lang)} for f in self.fields],
                "tip": list(self.tip), "sep": TIP_SEP}

    def layer(self, df: pd.DataFrame, lang: str, *, style: Callable[[dict], dict], keep: tuple[str, ...] = (),
              shift: Shift | None = None, radius: float = 5) -> tuple[folium.GeoJson, int]:
        """A folium GeoJson of the rows (points as circle markers, lines, polygons) styled per feature, with this
        popup and tooltip; and how many features it sends."""
        fc = feature_collection(df, self.properties(df, lang, keep), shift)
        kwargs = {}
        if fc["features"]:   # folium refuses a popup or tooltip whose fields no feature has (an empty layer)
            kwargs["popup"] = folium.GeoJsonPopup(fields=[f.prop for f in self.fields],
                                                  aliases=[html.escape(i18n.t(f.header, lang)) for f in self.fields],
                                                  localize=False, labels=True, max_width=360)
            if self.tip:
                kwargs["tooltip"] = folium.GeoJsonTooltip(fields=["tip"], labels=False)
        layer = folium.GeoJson(fc, style_function=style, highlight_function=None,
                               marker=folium.CircleMarker(radius=radius, weight=1, fill=True, fill_opacity=0.85),
                               zoom_on_click=False, embed=True, **kwargs)
        return layer, len(fc["features"])


def id_from_tip(text: str | None) -> str | None:
    """The id a clicked feature's tooltip names (what follows the last separator)."""
    if not text:
        return None
    return str(text).rsplit(TIP_SEP, 1)[-1].strip() or None
