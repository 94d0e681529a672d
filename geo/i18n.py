"""The interface's words, Chinese first and English available, from one catalogue (geo/i18n.toml): `t` for messages,
`label` for coded values, `header` for the column headers of ledgers and exports."""
from __future__ import annotations

import tomllib
from pathlib import Path

CATALOGUE = Path(__file__).with_name("i18n.toml")


def _flat(table: dict, prefix: str = "") -> dict[str, tuple[str, str]]:
    """Nested tables as dotted keys: [text.capture] title = … is the message "capture.title"."""
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = tuple(value)
    return out


def _pairs(table: dict) -> dict[str, tuple[str, str]]:
    return {code: tuple(pair) for code, pair in table.items()}


def _load(path: Path = CATALOGUE) -> tuple[dict, dict, dict, dict, dict]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return (data["languages"], _flat(data["text"]), {name: _pairs(table) for name, table in data["vocab"].items()},
            {table: _pairs(columns) for table, columns in data["columns"].items()}, data["aliases"])


# each language named in itself; messages by key; vocabularies by name (code -> pair); column headers by layer
# (column -> pair); other header spellings by layer (spelling -> column)
LANGUAGES, MESSAGES, VOCABULARIES, COLUMNS, ALIASES = _load()


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def t(key: str, lang: str = "zh", **fmt) -> str:
    """The message `key` in `lang`, formatted with `fmt`; the key itself when the catalogue has no such message (a
    missing word shows, it does not crash a page; tests/test_i18n.py checks that every key the code names exists)."""
    pair = MESSAGES.get(key)
    text = key if pair is None else _pick(pair, lang)
    return text.format(**fmt) if fmt else text


def label(vocabulary: str, code, lang: str = "zh", sep: str | None = None) -> str:
    """The label of a coded value in `lang` ('' for none, the code itself when the vocabulary does not know it); a
    list of codes as one phrase joined by `sep` (、 or ', ')."""
    if isinstance(code, (list, tuple)):
        sep = sep if sep is not None else ("、" if lang != "en" else ", ")
        return sep.join(label(vocabulary, c, lang) for c in code)
    if code is None or (isinstance(code, float) and code != code):
        return ""
    pair = VOCABULARIES[vocabulary].get(code)
    return str(code) if pair is None else _pick(pair, lang)


def vocabulary(name: str) -> dict[str, tuple[str, str]]:
    """A vocabulary's codes with their (Chinese, English) labels, in the catalogue's order."""
    return VOCABULARIES[name]


def header(layer: str, column: str, lang: str = "zh") -> str:
    """A column's header in ledgers and exports: the layer's own ([columns.LAYER]), else the one every layer shares
    ([columns.common]), else the column name (an extra column an import kept)."""
    pair = COLUMNS.get(layer, {}).get(column) or COLUMNS["common"].get(column)
    return column if pair is None else _pick(pair, lang)


def yes_no(value, lang: str = "zh") -> str:
    """True, False or unknown (None, NaN) in words."""
    unknown = value is None or (isinstance(value, float) and value != value)
    return label("answer", "unknown" if unknown else ("yes" if value else "no"), lang)


def both(key: str, sep: str = " ", **fmt) -> str:
    """A message in both languages, Chinese first, for what is read before a language is chosen (the sign-in form);
    no space after Chinese closing punctuation, which carries its own."""
    zh, en = t(key, "zh", **fmt), t(key, "en", **fmt)
    return f"{zh}{'' if sep == ' ' and zh.endswith(('）', '」', '】')) else sep}{en}"
