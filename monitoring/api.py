"""The field clients' API for monitored households (Starlette routes beside the inspections'): list my cases (or those
waiting on me), read one, propose one, record consent, take a step; the open signals; the OpenAPI document with
these paths added. Callers are accounts with a bearer token; every request's database work runs as that user
(accounts.scoped.connect_as), and the database decides each step."""
from __future__ import annotations

import copy
import math
import re
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from accounts import api as accounts_api
from accounts import sessions
from accounts.scoped import connect_as
from geo.i18n import vocabulary
from inspections import api as inspections_api

from . import cases, machine
from .machine import Refused

PREFIX = "/api/v1/monitoring"
_CASE_FIELDS = ["case_id", "household_id", "head_name", "members", "village_code", "village_name", "township_name",
                "category", "risk_types", "found_by", "state", "state_since", "proposed_on", "identified_on",
                "elimination_proposed_on", "eliminated_on", "consent_on", "support_contact", "last_visit_on", "lon",
                "lat"]


def _plain(v):
    """A value as JSON carries it: dates ISO, numbers as numbers, NaN and NaT as null."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _rows(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def _problem(status: int, message: str, problems=(), **extra) -> JSONResponse:
    return JSONResponse({"error": message, "problems": [{"field": f, "message": m} for f, m in problems], **extra},
                        status_code=status)


def _refused(err: Refused, field: str) -> JSONResponse:
    return _problem(err.status, err.words("en"), [(field, err.words("zh"))], code=err.code, detail=_plain(err.detail))


async def _user(request: Request):
    user = await run_in_threadpool(accounts_api.user_of, sessions.bearer(request.headers.get("authorization")),
                                   sessions.BEARER)
    if user is None:
        return None, _problem(401, "a valid bearer token is required (POST /api/v1/auth/token)",
                              [("Authorization", "missing, unknown, expired or revoked token")])
    return user, None


def _as(user, fn, *args):
    """fn(conn, *args) on a connection that is the user for its life, closed after."""
    conn = connect_as(user)
    try:
        return fn(conn, *args)
    finally:
        conn.close()


def _list(conn, state, village, waiting: bool) -> list[dict]:
    df = cases.listing(conn, state, village)
    if waiting:
        q = cases.queue(conn)
        steps: dict[int, list] = {}
        for r in q[q["ready"]].itertuples():
            steps.setdefault(int(r.case_id), []).append({"action": r.action, "to": r.to_state})
        df = df[df["case_id"].isin(list(steps))]
        df = df.assign(steps=[steps[int(c)] for c in df["case_id"]])
    conn.rollback()
    return _rows(df[[c for c in [*_CASE_FIELDS, "steps"] if c in df.columns]])


async def list_cases(request: Request):
    user, err = await _user(request)
    if err:
        return err
    state, village = request.query_params.get("state"), request.query_params.get("village")
    if state is not None and state not in vocabulary("case_state"):
        return _problem(422, "unknown state", [("state", f"expected one of {', '.join(vocabulary('case_state'))}")])
    if village is not None and not re.fullmatch(r"\d{12}", village):
        return _problem(422, "village must be a 12-digit code", [("village", village)])
    waiting = request.query_params.get("waiting", "").lower() in ("1", "true", "yes")
    return JSONResponse({"cases": await run_in_threadpool(_as, user, _list, state, village, waiting)})


def _one(conn, case_id: int):
    case = cases.one(conn, case_id)
    conn.rollback()
    if case is None:
        return None
    out = {k: _plain(case[k]) for k in _CASE_FIELDS}
    out["uncovered_risks"] = case["uncovered"]
    for part in ("measures", "notices", "signals", "visits", "log"):
        out[part] = _rows(case[part])
    out["steps"] = [{"action": s.action, "to": s.to_state, "level": s.level, "open": s.refusal is None,
                     "refusal": s.refusal} for s in case["steps"].itertuples()]
    return out


async def get_case(request: Request):
    user, err = await _user(request)
    if err:
        return err
    case = await run_in_threadpool(_as, user, _one, int(request.path_params["id"]))
    if case is None:
        return _problem(404, "no such case in your scope", [("id", str(request.path_params["id"]))])
    return JSONResponse(case)


async def _body(request: Request) -> tuple[dict | None, JSONResponse | None]:
    try:
        body = await request.json()
    except ValueError as e:
        return None, _problem(400, "the body is not valid JSON", [("body", str(e))])
    if not isinstance(body, dict):
        return None, _problem(422, "expected a JSON object", [("body", type(body).__name__)])
    return body, None


def _day(value, field: str, problems: list) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append((field, f"{value!r}: expected a date YYYY-MM-DD"))
        return None


async def propose(request: Request):
    user, err = await _user(request)
    if err:
        return err
    body, err = await _body(request)
    if err:
        return err
    problems = []
    household = body.get("household_id")
    if not isinstance(household, str) or not household.strip():
        problems.append(("household_id", "required: the household's id"))
    category = body.get("category")
    if category not in ("unstable", "marginal", "sudden_hardship"):
        problems.append(("category", "expected unstable, marginal or sudden_hardship"))
    risks = body.get("risk_types", [])
    if not isinstance(risks, list) or set(risks) - set(vocabulary("risk_type")):
        problems.append(("risk_types", f"a list of {', '.join(vocabulary('risk_type'))}"))
    found_by = body.get("found_by")
    if found_by is not None and found_by not in ("self_declaration", "screening", "department_alert"):
        problems.append(("found_by", "expected self_declaration, screening or department_alert"))
    signal_ids = body.get("signal_ids", [])
    if not isinstance(signal_ids, list) or not all(isinstance(s, int) and not isinstance(s, bool)
                                                   for s in signal_ids):
        problems.append(("signal_ids", "a list of signal ids"))
    income = body.get("income_per_capita")
    if income is not None and (isinstance(income, bool) or not isinstance(income, (int, float)) or income < 0):
        problems.append(("income_per_capita", "a number of yuan a year, not negative"))
    if found_by is None and not signal_ids:
        problems.append(("found_by", "required unless the case comes from signals"))
    for key in ("reason", "support_contact"):
        if body.get(key) is not None and not isinstance(body[key], str):
            problems.append((key, "expected text"))
    if problems:
        return _problem(422, "proposal refused; nothing was stored", problems)
    try:
        case_id = await run_in_threadpool(_as, user, machine.propose, household.strip(), category, risks, found_by,
                                          body.get("reason"), income, signal_ids, body.get("support_contact"))
    except Refused as e:
        return _refused(e, "household_id")
    return JSONResponse({"case_id": case_id, "state": "proposed"}, status_code=201,
                        headers={"Location": f"{PREFIX}/cases/{case_id}"})


async def consent(request: Request):
    user, err = await _user(request)
    if err:
        return err
    body, err = await _body(request)
    if err:
        return err
    problems = []
    on = _day(body.get("consent_on"), "consent_on", problems)
    if problems:
        return _problem(422, "consent refused; nothing was stored", problems)
    try:
        await run_in_threadpool(_as, user, machine.record_consent, int(request.path_params["id"]), on)
    except Refused as e:
        return _refused(e, "consent_on")
    return JSONResponse({"case_id": int(request.path_params["id"]), "consent_on": on.isoformat()})


async def transition(request: Request):
    user, err = await _user(request)
    if err:
        return err
    body, err = await _body(request)
    if err:
        return err
    to = body.get("to")
    if to not in vocabulary("case_state"):
        return _problem(422, "unknown state", [("to", f"expected one of {', '.join(vocabulary('case_state'))}")])
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        return _problem(422, "reason must be text", [("reason", type(reason).__name__)])
    try:
        state = await run_in_threadpool(_as, user, machine.step, int(request.path_params["id"]), to, reason)
    except Refused as e:
        return _refused(e, "to")
    return JSONResponse({"case_id": int(request.path_params["id"]), "state": state})


async def list_signals(request: Request):
    user, err = await _user(request)
    if err:
        return err
    df = await run_in_threadpool(_as, user, lambda conn: cases.open_signals(conn))
    return JSONResponse({"signals": _rows(df)})


_ERR = inspections_api._ERR
_CASE = {"$ref": "#/components/schemas/Case"}
_REFUSED = {"description": "the database refused the step: `code` and its figures in `detail`, words in `error` "
                           "(English) and `problems[0].message` (Chinese)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
PATHS = {
    f"{PREFIX}/cases": {
        "get": {"summary": "Cases of monitored households in my scope (waiting=true: those with a step open to me)",
                "parameters": [{"name": "state", "in": "query", "schema": {"type": "string",
                                                                          "enum": list(vocabulary("case_state"))}},
                               {"name": "village", "in": "query", "schema": {"type": "string",
                                                                            "pattern": "^[0-9]{12}$"}},
                               {"name": "waiting", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "{cases: [Case]}", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"cases": {"type": "array", "items": _CASE}}}}}},
                    **{k: _ERR[k] for k in ("401", "422")}}},
        "post": {"summary": "Propose a case for a household (from signals, or declared/screened)",
                 "requestBody": {"content": {"application/json": {"schema": {
                     "$ref": "#/components/schemas/Proposal"}}}},
                 "responses": {"201": {"description": "{case_id, state: proposed}"}, "403": _REFUSED,
                               "409": _REFUSED, **{k: _ERR[k] for k in ("400", "401", "404", "422")}}}},
    f"{PREFIX}/cases/{{id}}": {"get": {
        "summary": "One case: household, risks, measures, visits, signals, notices, timeline, my steps",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "the case"}, **{k: _ERR[k] for k in ("401", "404")}}}},
    f"{PREFIX}/cases/{{id}}/consent": {"post": {
        "summary": "Record the household's signed consent (承诺授权)",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["consent_on"],
            "properties": {"consent_on": {"type": "string", "format": "date"}}}}}},
        "responses": {"200": {"description": "{case_id, consent_on}"}, "403": _REFUSED, "409": _REFUSED,
                      **{k: _ERR[k] for k in ("400", "401", "422")}}}},
    f"{PREFIX}/cases/{{id}}/transitions": {"post": {
        "summary": "Take a step: assess, review, confirm, return (reason), resubmit, close (reason), propose the "
                   "elimination, pass the spot check, eliminate",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["to"],
            "properties": {"to": {"type": "string", "enum": list(vocabulary("case_state"))},
                           "reason": {"type": "string"}}}}}},
        "responses": {"200": {"description": "{case_id, state}"}, "403": _REFUSED, "409": _REFUSED,
                      **{k: _ERR[k] for k in ("400", "401", "404", "422")}}}},
    f"{PREFIX}/signals": {"get": {
        "summary": "Open signals in my scope for the village's weekly assessment",
        "responses": {"200": {"description": "{signals: [...]}"}, "401": _ERR["401"]}}},
}
SCHEMAS = {
    "Case": {"type": "object", "properties": {
        "case_id": {"type": "integer"}, "household_id": {"type": "string"}, "head_name": {"type": "string"},
        "village_code": {"type": "string"}, "category": {"type": "string"},
        "risk_types": {"type": "array", "items": {"type": "string"}},
        "state": {"type": "string", "enum": list(vocabulary("case_state"))},
        "identified_on": {"type": "string", "format": "date"}, "consent_on": {"type": "string", "format": "date"},
        "last_visit_on": {"type": "string", "format": "date"}, "lon": {"type": "number"}, "lat": {"type": "number"},
        "steps": {"type": "array", "items": {"type": "object"}}}},
    "Proposal": {"type": "object", "required": ["household_id", "category"], "properties": {
        "household_id": {"type": "string"},
        "category": {"type": "string", "enum": ["unstable", "marginal", "sudden_hardship"]},
        "risk_types": {"type": "array", "items": {"type": "string", "enum": list(vocabulary("risk_type"))}},
        "found_by": {"type": "string", "enum": ["self_declaration", "screening", "department_alert"],
                     "description": "required unless signal_ids are given"},
        "signal_ids": {"type": "array", "items": {"type": "integer"}},
        "reason": {"type": "string"}, "income_per_capita": {"type": "number", "minimum": 0},
        "support_contact": {"type": "string"}}},
}


def document() -> dict:
    """The field API's OpenAPI document: the inspections' paths and these."""
    doc = copy.deepcopy(inspections_api.OPENAPI)
    doc["info"]["title"] = "Dixian field API: inspections and monitored households"
    doc["paths"].update(PATHS)
    doc["components"]["schemas"].update(SCHEMAS)
    return doc


async def openapi(request: Request):
    return JSONResponse(document())


def routes() -> list[Route]:
    """The monitoring routes for server.py, with the OpenAPI document that lists them (registered ahead of the
    inspections' own, which it extends)."""
    return [
        Route(f"{PREFIX}/cases", list_cases, methods=["GET"]),
        Route(f"{PREFIX}/cases", propose, methods=["POST"]),
        Route(f"{PREFIX}/cases/{{id:int}}", get_case, methods=["GET"]),
        Route(f"{PREFIX}/cases/{{id:int}}/consent", consent, methods=["POST"]),
        Route(f"{PREFIX}/cases/{{id:int}}/transitions", transition, methods=["POST"]),
        Route(f"{PREFIX}/signals", list_signals, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    ]
