"""Inspection forms as data (XLSForm rows in inspections/forms/*.json): load, prefill, check answers, build XForms."""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent / "forms"
LABEL_ZH, LABEL_EN = "label::中文 (zh)", "label::English (en)"
# Questions the device fills rather than the person: time, position and photos travel beside the answers (in the
# API's JSON as started_at, submitted_at, location and photo files), as does the target's id.
DEVICE_TYPES = {"geopoint", "image", "start", "end"}
TARGET_FIELD = "target_id"


class FormError(ValueError):
    """Answers that break the form; `problems` is a list of (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


@dataclass
class Question:
    type: str
    name: str
    label_zh: str = ""
    label_en: str = ""
    list_name: str | None = None
    required: bool = False
    constraint: str | None = None
    constraint_message: str | None = None
    relevant: str | None = None
    calculation: str | None = None
    prefill: str | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass
class Form:
    kind: str
    title: str
    target_kind: str
    version: str
    questions: list[Question]
    choices: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # list → (code, zh, en)
    rows: dict = field(default_factory=dict)

    @property
    def answerable(self) -> list[Question]:
        """The questions a person answers (no notes, calculations, position or photos)."""
        return [q for q in self.questions
                if q.type not in DEVICE_TYPES | {"calculate", "note"} and q.name != TARGET_FIELD]

    def choice_label(self, list_name: str, code: str, lang: str = "zh") -> str:
        for c, zh, en in self.choices.get(list_name, []):
            if c == code:
                return en if lang == "en" else zh
        return code


def _question(row: dict) -> Question:
    base, _, lst = row["type"].partition(" ")
    return Question(type=base, name=row["name"], label_zh=row.get(LABEL_ZH, ""), label_en=row.get(LABEL_EN, ""),
                    list_name=lst or None, required=str(row.get("required", "")).lower() in ("yes", "true", "1"),
                    constraint=row.get("constraint"), constraint_message=row.get("constraint_message"),
                    relevant=row.get("relevant"), calculation=row.get("calculation"), prefill=row.get("prefill"))


@lru_cache(maxsize=None)
def load(kind: str) -> Form:
    """One form by its kind (the file name), e.g. 'household_visit'."""
    path = FORMS_DIR / f"{kind}.json"
    if not re.fullmatch(r"[a-z_]+", kind) or not path.exists():
        raise KeyError(f"no form {kind!r}; known: {', '.join(kinds())}")
    rows = json.loads(path.read_text(encoding="utf-8"))
    s = rows["settings"][0]
    choices: dict[str, list] = {}
    for c in rows.get("choices", []):
        choices.setdefault(c["list_name"], []).append((c["name"], c.get(LABEL_ZH, ""), c.get(LABEL_EN, "")))
    return Form(kind=kind, title=s["form_title"], target_kind=s["target_kind"], version=str(s["version"]),
                questions=[_question(r) for r in rows["survey"]], choices=choices, rows=rows)


def kinds() -> list[str]:
    return sorted(p.stem for p in FORMS_DIR.glob("*.json"))


def kinds_for(target_kind: str) -> list[str]:
    """The forms that check a kind of target (a household: household_visit; a water source: two patrols)."""
    return [k for k in kinds() if load(k).target_kind == target_kind]


def xform(kind: str) -> str:
    """The form as an ODK XForm (XML), through pyxform; raises pyxform's error if the XLSForm is not valid."""
    from pyxform.xls2xform import convert
    rows = json.loads(json.dumps(load(kind).rows))
    for r in rows["settings"]:
        r.pop("target_kind", None)
    return convert(rows, warnings=[], form_name="data").xform


# --- prefill ---------------------------------------------------------------------------------------------------

def _prefill_value(q: Question, v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "yes" if v else "no"
    if q.type == "select_multiple":
        return list(v) if isinstance(v, (list, tuple)) else [str(v)]
    if q.type == "integer":
        return int(v)
    if q.type == "decimal":
        return float(v)
    return str(v)


def prefill(form: Form, record: dict | None) -> dict:
    """Default answers from what the system knows about the target (its row in the layer's table)."""
    if not record:
        return {}
    out = {}
    for q in form.questions:
        if q.prefill and record.get(q.prefill) is not None:
            out[q.name] = _prefill_value(q, record[q.prefill])
    return out


# --- XPath subset used in constraint / relevant / calculation ---------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:(\$\{[A-Za-z_][\w.-]*\})|('[^']*'|"[^"]*")|(\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>|\(|\)|,|\+|-|\*)
                        |([A-Za-z_][\w-]*)|(\.))""", re.X)
_FUNCS = {"if": "_if", "selected": "_selected", "count-selected": "_count_selected", "string-length": "_strlen",
          "not": "_not", "true": "_true", "false": "_false", "number": "_number"}
_WORDS = {"and": " and ", "or": " or ", "div": " / ", "mod": " % "}
_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt,
            ast.GtE, ast.Call, ast.Name, ast.Load, ast.Constant, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.Mod, ast.UnaryOp, ast.USub)


@lru_cache(maxsize=512)
def _compile(expr: str):
    out, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            if expr[pos:].strip() == "":
                break
            raise ValueError(f"cannot read expression at {expr[pos:]!r}")
        pos = m.end()
        ref, string, number, op, word, dot = m.groups()
        if ref:
            out.append(f"_v({ref[2:-1]!r})")
        elif string:
            out.append(repr(string[1:-1]))
        elif number:
            out.append(number)
        elif op:
            out.append("==" if op == "=" else op)
        elif word:
            if word in _WORDS:
                out.append(_WORDS[word])
            elif word in _FUNCS:
                out.append(_FUNCS[word])
            else:
                raise ValueError(f"function or word {word!r} not supported")
        elif dot:
            out.append("_self")
    tree = ast.parse("".join(out), mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ValueError(f"expression {expr!r} uses {type(node).__name__}")
    return compile(tree, "<xlsform>", "eval")


def _num(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


class _Val:
    """An XPath value: compares as a number against numbers, else as a string; missing is ''."""

    def __init__(self, v):
        self.v = "" if v is None else v

    def _pair(self, other):
        o = other.v if isinstance(other, _Val) else other
        if isinstance(o, (int, float)) and not isinstance(o, bool) or isinstance(self.v, (int, float)):
            return _num(self.v), _num(o)
        return (" ".join(self.v) if isinstance(self.v, list) else str(self.v)), str(o)

    def __eq__(self, o): a, b = self._pair(o); return a == b
    def __ne__(self, o): a, b = self._pair(o); return a != b
    def __lt__(self, o): a, b = self._pair(o); return a < b
    def __le__(self, o): a, b = self._pair(o); return a <= b
    def __gt__(self, o): a, b = self._pair(o); return a > b
    def __ge__(self, o): a, b = self._pair(o); return a >= b
    def __bool__(self): return self.v not in ("", [], 0, None)
    def __add__(self, o): return _num(self.v) + _num(o.v if isinstance(o, _Val) else o)
    def __sub__(self, o): return _num(self.v) - _num(o.v if isinstance(o, _Val) else o)


def evaluate(expr: str, answers: dict, current=None):
    """Evaluate an XLSForm expression against answers ('.' is `current`)."""
    def raw(x):
        return x.v if isinstance(x, _Val) else x
    env = {
        "__builtins__": {},
        "_v": lambda name: _Val(answers.get(name)),
        "_self": _Val(current),
        "_if": lambda c, a, b: raw(a) if c else raw(b),
        "_selected": lambda v, c: raw(c) in (raw(v) if isinstance(raw(v), list) else str(raw(v)).split()),
        "_count_selected": lambda v: len(raw(v) if isinstance(raw(v), list) else str(raw(v)).split()),
        "_strlen": lambda v: len(str(raw(v))),
        "_not": lambda v: not v,
        "_true": lambda: True,
        "_false": lambda: False,
        "_number": lambda v: _num(raw(v)),
    }
    return eval(_compile(expr), env)  # noqa: S307 — compiled from a whitelisted AST only


# --- answers -------------------------------------------------------------------------------------------------------

def _coerce(form: Form, q: Question, v):
    """The answer in its type, or ValueError saying what was expected."""
    if q.type == "integer":
        if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()))):
            if not (isinstance(v, float) and v.is_integer()):
                raise ValueError("expected a whole number")
        return int(v)
    if q.type == "decimal":
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if isinstance(v, bool) or f != f or f in (float("inf"), float("-inf")):
            raise ValueError("expected a number")
        return f
    if q.type == "select_one":
        codes = [c for c, _, _ in form.choices.get(q.list_name, [])]
        if isinstance(v, bool):
            v = "yes" if v else "no"
        if str(v) not in codes:
            raise ValueError(f"expected one of {', '.join(codes)}")
        return str(v)
    if q.type == "select_multiple":
        codes = [c for c, _, _ in form.choices.get(q.list_name, [])]
        items = v.split() if isinstance(v, str) else v
        if not isinstance(items, list) or any(str(x) not in codes for x in items):
            raise ValueError(f"expected a list of {', '.join(codes)}")
        return [str(x) for x in items]
    if q.type == "date":
        try:
            return date.fromisoformat(str(v)).isoformat()
        except ValueError:
            raise ValueError("expected a date YYYY-MM-DD") from None
    if not isinstance(v, (str, int, float)):
        raise ValueError("expected text")
    return str(v)


def check(form: Form, answers: dict) -> tuple[dict, str]:
    """Typed, constrained, relevant answers and the form's result ('pass' or 'fail'); FormError lists every problem.

    Answers to questions that are not relevant are dropped; unknown names are refused."""
    if not isinstance(answers, dict):
        raise FormError([("answers", "expected an object of question name → answer")])
    by_name = {q.name: q for q in form.questions}
    problems = [(f"answers.{k}", "no such question in form " + form.kind) for k in answers
                if k not in by_name or k == TARGET_FIELD or by_name[k].type in DEVICE_TYPES | {"calculate", "note"}]
    clean: dict = {}
    for q in form.questions:
        if q.type in DEVICE_TYPES | {"note"} or q.name == TARGET_FIELD:
            continue
        if q.type == "calculate":
            clean[q.name] = evaluate(q.calculation, clean)
            continue
        if q.relevant and not evaluate(q.relevant, clean):
            continue
        v = answers.get(q.name)
        if v is None or v == "" or v == []:
            if q.required:
                problems.append((f"answers.{q.name}", "required"))
            continue
        try:
            v = _coerce(form, q, v)
        except ValueError as err:
            problems.append((f"answers.{q.name}", str(err)))
            continue
        if q.constraint and not evaluate(q.constraint, clean, v):
            problems.append((f"answers.{q.name}", q.constraint_message or f"breaks constraint {q.constraint}"))
            continue
        clean[q.name] = v
    if problems:
        raise FormError(problems)
    result = clean.pop("result", None)
    if result not in ("pass", "fail"):
        raise FormError([("answers", f"form {form.kind} computed no result")])
    return clean, result
