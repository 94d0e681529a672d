"""The field app's form rules on the phone (static/field/js/xpath.js and form.js) against the server's
(inspections/forms.py): every relevant, constraint and calculation of the seven forms, and the whole check of
answers, on a few thousand seeded answer sets, must come out as the server's; plus values worked out by hand.
Run in Debian's headless Chromium on the static files alone (no database)."""
from __future__ import annotations

import functools
import http.server
import json
import random
import shutil
import threading
import zlib

import pytest

from conftest import ROOT
from inspections import forms
from test_map_browser import CHROMIUM, CHROMEDRIVER, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")


@pytest.fixture(scope="module")
def page(browser):  # noqa: F811
    """A page on a plain static server of static/field/, with the app's form modules imported as window.fx."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT / "static" / "field"))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    browser.get(f"http://127.0.0.1:{httpd.server_address[1]}/vendor/package.json")
    browser.execute_async_script("""const done = arguments[0];
        Promise.all([import('/js/xpath.js'), import('/js/form.js')])
          .then(([x, f]) => { window.fx = {x, f}; done(true); }, (e) => done(String(e)));""")
    yield browser
    httpd.shutdown()


def js(page, body: str, *args):
    """Run `body` (a function body; window.fx holds the modules) on JSON arguments, return its JSON result."""
    return json.loads(page.execute_script(f"return JSON.stringify((function() {{ {body} }})(...arguments))",
                                          *[json.dumps(a) for a in args]))


def pool(form: forms.Form, q: forms.Question, rng: random.Random, good: bool = False):
    """An answer to draw for a question: right, wrong, empty or missing (None); `good`: mostly the first choice and
    values in range, so that whole sets also pass."""
    if good and q.type == "select_one":
        codes = [c for c, _, _ in form.choices[q.list_name]]
        return codes[0] if rng.random() < 0.85 else rng.choice(codes)
    if good and q.type in ("integer", "decimal"):
        return rng.choice([1, 2, 3, 4])
    if q.type == "select_one":
        return rng.choice([c for c, _, _ in form.choices[q.list_name]] * 3 + ["", None, "maybe"])
    if q.type == "select_multiple":
        codes = [c for c, _, _ in form.choices[q.list_name]]
        return rng.choice([rng.sample(codes, rng.randint(1, min(3, len(codes)))), [], None, "x y", " ".join(codes[:2])])
    if q.type == "integer":
        return rng.choice([-1, 0, 1, 4, 7, 30, 31, 100, 101, 10000, 10001, "7", " 12 ", 4.5, "x", None, ""])
    if q.type == "decimal":
        return rng.choice([-0.5, 0, 0.5, 4, 4.1, 50000, 50001, 1000000, 1000001, "2.5", "1e3", "abc", None, ""])
    return rng.choice(["", None, "ok", "x" * 500, "x" * 501, "长" * 500, "长" * 501, 42])


def answer_sets(kind: str, n: int, seed: int) -> list[dict]:
    form, rng = forms.load(kind), random.Random(seed)
    out = []
    for i in range(n):
        a = {q.name: pool(form, q, rng, good=i % 2 == 0) for q in form.answerable}
        out.append({k: v for k, v in a.items() if v is not None})
    return out


def py_check(kind: str, answers: dict) -> dict:
    try:
        clean, result = forms.check(forms.load(kind), answers)
    except forms.FormError as e:
        return {"problems": [list(p) for p in e.problems]}
    return {"clean": clean, "result": result, "problems": []}


@pytest.mark.parametrize("kind", forms.kinds())
def test_every_expression_of_the_form_evaluates_as_on_the_server(page, kind):
    form = forms.load(kind)
    exprs = [(q.name, field, getattr(q, field)) for q in form.questions
             for field in ("relevant", "constraint", "calculation") if getattr(q, field)]
    assert exprs, f"{kind} has no expression"
    cases = []
    for answers in answer_sets(kind, 300, seed=zlib.crc32(kind.encode())):
        for name, field, expr in exprs:
            current = answers.get(name) if field == "constraint" else None
            if field == "constraint":  # the server evaluates a constraint on the typed answer, before storing it
                try:
                    current = forms._coerce(form, next(q for q in form.questions if q.name == name), current)
                except (ValueError, TypeError):
                    continue
            py = forms.evaluate(expr, answers, current)
            cases.append({"expr": expr, "answers": answers, "current": current, "field": field,
                          "py": bool(py) if field != "calculation" else py})
    got = js(page, """const cases = JSON.parse(arguments[0]);
        return cases.map(c => { const v = fx.x.evaluate(c.expr, c.answers, c.current);
                                return c.field === 'calculation' ? v : fx.x.truthy(v); });""", cases)
    wrong = [(c["expr"], c["answers"], c["current"], c["py"], g) for c, g in zip(cases, got) if c["py"] != g]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[:3]}"
    assert len(cases) > 300


@pytest.mark.parametrize("kind", forms.kinds())
def test_checking_answers_gives_the_servers_clean_answers_result_and_problems(page, kind):
    sets = answer_sets(kind, 400, seed=7 + zlib.crc32(kind.encode()))
    expected = [py_check(kind, a) for a in sets]
    got = js(page, """const [kind, rows, sets] = [JSON.parse(arguments[0]), JSON.parse(arguments[1]),
                                                 JSON.parse(arguments[2])];
        const form = fx.f.load(kind, rows);
        return sets.map(a => { const r = fx.f.check(form, a);
                               return r.problems.length ? {problems: r.problems}
                                                        : {clean: r.clean, result: r.result, problems: []}; });""",
             kind, forms.load(kind).rows, sets)
    wrong = [(a, e, g) for a, e, g in zip(sets, expected, got) if e != g]
    assert not wrong, f"{len(wrong)} of {len(sets)} differ, e.g. {wrong[:2]}"
    # the sets reach both results and refusals, so the comparison means something
    assert {e.get("result") for e in expected} >= {"pass", "fail", None}


def test_values_worked_out_by_hand(page):
    x = lambda expr, answers=None, current=None: js(  # noqa: E731
        page, "return fx.x.evaluate(JSON.parse(arguments[0]), JSON.parse(arguments[1]), JSON.parse(arguments[2]));",
        expr, answers or {}, current)
    visit = forms.load("household_visit")
    relevant = next(q.relevant for q in visit.questions if q.name == "new_risks")
    assert x(relevant, {"food_clothing": "yes", "drinking_water": "no"}) is True
    assert x(relevant, {"food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
                        "drinking_water": "yes"}) is False
    assert x(". >= 1 and . <= 30", {}, 30) is True and x(". >= 1 and . <= 30", {}, 31) is False
    assert x("string-length(.) <= 500", {}, "长" * 500) is True and x("string-length(.) <= 500", {}, "长" * 501) is False
    house = next(q.calculation for q in forms.load("house_safety").questions if q.name == "result")
    base = {"grade": "B", "cracks": "no", "roof_leaks": "no", "idle": "no", "occupied": "yes"}
    assert x(house, base) == "pass"
    assert x(house, {**base, "grade": "D"}) == "fail"                       # a dangerous house lived in
    assert x(house, {**base, "idle": "yes", "occupied": "no", "warning_sign": "no"}) == "fail"
    assert x(house, {**base, "idle": "yes", "occupied": "no", "warning_sign": "yes"}) == "pass"
    assert x("${n} + 2 = 5", {"n": 3}) is True and x("${n} = ''", {}) is True   # a missing answer is ''
    assert x("selected(${r}, 'water') and count-selected(${r}) = 2", {"r": ["water", "illness"]}) is True
    assert x("not(${a} != 'yes')", {"a": "yes"}) is True and x("10 div 4", {}) == 2.5 and x("-3 + 1") == -2
    assert x("${d} > 10", {"d": "9"}) is False and x("${d} > 10", {"d": 11}) is True
    err = js(page, "try { fx.x.evaluate('today() > 1', {}); return 'no error'; } catch (e) { return e.message; }")
    assert "not supported" in err
    # a check names the question the way the server does, with the form's message
    got = js(page, """const form = fx.f.load('household_visit', JSON.parse(arguments[0]));
                      return fx.f.check(form, {members: 31, food_clothing: 'yes', education: 'yes', medical: 'yes',
                                               housing: 'yes', drinking_water: 'no', nonsense: 1}).problems;""",
             visit.rows)
    assert got == [["answers.nonsense", "no such question in form household_visit"],
                   ["answers.members", "1–30 人 / 1 to 30 people"], ["answers.new_risks", "required"]]
