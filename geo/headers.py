"""Column headers of every layer in Chinese and English, for ledgers (台账), exports and the map's tables, and the
header spellings an import accepts; the words are in the catalogue (geo/i18n.toml, [columns.*] and [aliases.*])."""
from __future__ import annotations

from . import i18n
from .vocab import COLUMN_VOCAB


def label(layer: str, column: str, lang: str = "zh") -> str:
    """A column's header in the language asked; the column name itself when no label is known (extra columns)."""
    return i18n.header(layer, column, lang)


def labels(layer: str, columns, lang: str = "zh") -> list[str]:
    return [label(layer, c, lang) for c in columns]


def title(layer: str, lang: str = "zh") -> str:
    """A layer's title, for sheet names and ledger titles."""
    return i18n.label("layer", layer, lang)


def column_aliases(layer: str) -> dict[str, str]:
    """Header spellings (Chinese label, English label, lower-cased) mapped to the layer's column names."""
    out: dict[str, str] = {}
    for table in (i18n.COLUMNS["common"], i18n.COLUMNS.get(layer, {})):
        for column, (zh, en) in table.items():
            out[zh] = column
            out[en] = column
            out[en.lower()] = column
    out.update(i18n.ALIASES.get(layer, {}))
    for column in i18n.COLUMNS.get(layer, {}):
        out.pop(column, None)  # a column's own name always means itself
    return out


def vocabulary(layer: str, column: str) -> dict | None:
    """The coded-value vocabulary of a column, if it has one: code -> (Chinese, English)."""
    name = COLUMN_VOCAB.get((layer, column))
    return None if name is None else i18n.vocabulary(name)
