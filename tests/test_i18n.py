"""The catalogue of strings (geo/i18n.toml through geo/i18n.py): every entry in both languages, every message and
vocabulary the code names present, and no page or module keeping words of its own."""
from __future__ import annotations

import ast
import re
import tomllib

import pytest

from conftest import ROOT
from geo import headers, i18n, vocab

HAN = re.compile(r"[\u3400-\u9fff]")   # Chinese characters (punctuation such as 、；： is not a word)

# The interface's rooms: pages, the planner's board, the map layers, the monitored households' room (its command line
# and API aside, as the inspections'), the app, the inspection and account pages, the water plan's page, map and
# files. None of them may hold words of its own.
INTERFACE = sorted([*ROOT.glob("views/*.py"), *ROOT.glob("board/*.py"), *ROOT.glob("layers/*.py"),
                    # a demo's records are data in the county's words (as data/demo.py), not the interface's
                    *(p for p in ROOT.glob("monitoring/*.py") if p.name not in ("__main__.py", "api.py", "demo.py")),
                    ROOT / "app.py",
                    ROOT / "accounts/ui.py", ROOT / "inspections/page.py", ROOT / "inspections/geolocate.py",
                    ROOT / "inspections/workflow.py", ROOT / "waterplan/export.py", ROOT / "waterplan/planmap.py"])


def _pairs(table: dict, where: str):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _pairs(value, f"{where}.{key}")
        else:
            yield f"{where}.{key}", value


def test_every_entry_has_chinese_and_english():
    data = tomllib.loads(i18n.CATALOGUE.read_text(encoding="utf-8"))
    assert set(data) == {"languages", "text", "vocab", "columns", "aliases"}
    assert data["languages"] == i18n.LANGUAGES == {"zh": "中文", "en": "English"}   # the order of every pair
    entries = [*_pairs(data["text"], "text"), *_pairs(data["vocab"], "vocab"), *_pairs(data["columns"], "columns")]
    assert len(entries) > 500
    bad = [(where, v) for where, v in entries
           if not (isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) and s.strip() for s in v))]
    assert bad == []
    # the Chinese is Chinese: no English word in the first place (symbols, numbers and names may be the same in both)
    assert [w for w, (zh, en) in entries if not HAN.search(zh) and re.search(r"[a-z]{3}", zh) and zh != en] == []
    # both languages ask for the same values (the Chinese of "Created: {login}" says only 已创建)
    for where, (zh, en) in entries:
        zh_asks, en_asks = set(re.findall(r"\{(\w+)\}", zh)), set(re.findall(r"\{(\w+)\}", en))
        assert zh_asks == en_asks or (where == "text.account.created" and zh_asks < en_asks), where
    # an import spelling names a column of its layer
    for layer, spellings in data["aliases"].items():
        assert set(spellings.values()) <= set(data["columns"][layer]), layer


def test_lookups_pick_the_language_and_say_what_they_do_not_know():
    assert i18n.t("page_map") == "地图" and i18n.t("page_map", "en") == "Map"
    assert i18n.t("print_title", "en", name="甲镇") == "甲镇: map for the wall"
    assert i18n.t("no such message") == "no such message"      # shown, never a crash
    assert i18n.label("water_status", "working") == "正常" and i18n.label("water_status", "working", "en") == "working"
    assert i18n.label("water_status", "dried_up") == "dried_up" and i18n.label("water_status", None) == ""
    assert i18n.label("risk_type", ["illness", "water"]) == "因病、饮水"
    assert i18n.label("risk_type", ["illness", "water"], "en") == "illness, drinking water"
    with pytest.raises(KeyError):
        i18n.label("no_such_vocabulary", "x")
    assert i18n.yes_no(True) == "是" and i18n.yes_no(float("nan"), "en") == "unknown"
    assert i18n.both("account.login") == "登录名 Login"
    assert i18n.both("account.scope_code") == "范围（12 位区划代码）Scope (12-digit code)"
    assert i18n.header("households", "head_name") == "户主姓名" and i18n.header("households", "lon", "en") == "Longitude"
    assert i18n.header("households", "my_extra_column") == "my_extra_column"


def test_headers_and_import_spellings_come_from_the_catalogue():
    assert headers.label("water_sources", "status") == "运行状态" and headers.title("roads", "en") == "Roads"
    aliases = headers.column_aliases("households")
    assert aliases["户主姓名"] == aliases["户主"] == aliases["name"] == aliases["head of household"] == "head_name"
    assert aliases["经度"] == "lon" and "head_name" not in aliases           # a column's own name means itself
    assert headers.vocabulary("water_sources", "status")["seasonal"] == ("季节性缺水", "seasonal shortage")
    assert headers.vocabulary("water_sources", "name") is None
    for (layer, column), name in vocab.COLUMN_VOCAB.items():
        assert name in i18n.VOCABULARIES, (layer, column)
        assert column in i18n.COLUMNS[layer], (layer, column)     # a coded column has a header too


def _calls(tree: ast.AST):
    """(function, first argument) of every call of t, both or label (bare or as i18n.NAME) with a literal first."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("t", "both", "label"):
                yield f.id, node.args[0].value
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "i18n":
                yield f.attr, node.args[0].value


def test_every_message_and_vocabulary_the_code_names_is_in_the_catalogue():
    missing, named = [], 0
    sections = set()
    for path in INTERFACE + [ROOT / "geo/headers.py"]:
        if path.name == "page.py":   # its t() reads the section of the page that starts it (checked below)
            continue
        source = path.read_text(encoding="utf-8")
        section = re.search(r'page\.start\("(\w+)"\)', source)   # an inspection page's own t() reads its section
        sections |= {section.group(1)} if section else set()
        for name, key in _calls(ast.parse(source)):
            if name in ("t", "both"):
                full = f"{section.group(1)}.{key}" if section and name == "t" and "." not in key \
                    and key not in i18n.MESSAGES else key
                named += 1
                if full not in i18n.MESSAGES:
                    missing.append((path.name, full))
            elif name == "label":
                named += 1
                if key not in i18n.VOCABULARIES:
                    missing.append((path.name, f"vocab.{key}"))
    assert named > 300 and missing == []
    assert sections == {"capture", "review"} and all(f"{s}.title" in i18n.MESSAGES for s in sections)
    # keys held in tables rather than written in a call
    from board import explain, indicators
    from inspections import geolocate
    from layers import mapview, risk
    held = [*mapview.LAYER_TITLES.values(), *(i.label for i in indicators.INDICATORS),
            *explain.CLAUSE_LABEL.values(), *(k for _, _, k in risk.SHARE_BREAKS),
            *(f"locate.{w}" for w in geolocate.WORDS)]
    assert [k for k in held if k not in i18n.MESSAGES] == []
    assert all(i.rule in i18n.vocabulary("rule") for i in indicators.INDICATORS)


def test_no_page_or_module_keeps_words_of_its_own():
    """Chinese appears in the interface's code only through the catalogue: no string dict, no (zh, en) pair, no
    Chinese literal (comments and docstrings aside; a tile provider's credit line is its name, not a word of ours)."""
    found = []
    for path in INTERFACE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and HAN.search(node.value) and not node.value.startswith("&copy;"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
            if isinstance(node, ast.Dict) and node.values and all(   # {key: ("中文", "English"), …}
                    isinstance(v, (ast.Tuple, ast.List)) and len(v.elts) == 2
                    and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
                    and HAN.search(v.elts[0].value) for v in node.values):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: a dict of (Chinese, English) pairs")
    assert found == []
