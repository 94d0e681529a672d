"""The field clients' HTTP API (Starlette routes served beside the pages): submit, read, review inspections, list
tasks near a point, fetch forms; an OpenAPI document. Callers are accounts: a bearer token from POST
/api/v1/auth/token (accounts.sessions), and every request's database work runs as that user under row-level
security (accounts.scoped.connect_as), so an endpoint that forgot a scope filter still could not leak."""
from __future__ import annotations

import json
import uuid

from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accounts import api as accounts_api
from accounts import sessions
from accounts.scoped import pooled_as
from geo import db
from geo.settings import settings

from . import auth, fieldwork, forms, openrosa, records, schedule, workflow

PREFIX = "/api/v1"


def _problem(status: int, message: str, problems: list[tuple[str, str]] = (), headers: dict | None = None):
    return JSONResponse({"error": message, "problems": [{"field": f, "message": m} for f, m in problems]},
                        status_code=status, headers=headers)


def _as_user(who, fn, *args):
    """fn(conn, *args) on a pooled connection that is the caller's account while it is borrowed (SET ROLE and the
    scope settings at session level, since records and workflow commit or roll back themselves)."""
    with pooled_as(who.user) as conn:
        return fn(conn, *args)


def _who(token, kind=sessions.BEARER):
    """The account of a live token of `kind` as the inspector it acts as (its inspectors row, made on first use), or
    None. Looked up on the owner's connection, like every login."""
    user = accounts_api.user_of(token, kind)
    if user is None:
        return None
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        return auth.for_user(cur, user)


async def _authenticate(request: Request):
    who = await run_in_threadpool(_who, sessions.bearer(request.headers.get("authorization")))
    if who is None:
        return None, _problem(401, "a valid bearer token is required (POST /api/v1/auth/token): "
                                   "Authorization: Bearer <token>",
                              [("Authorization", "missing, unknown, expired or revoked token")],
                              {"WWW-Authenticate": "Bearer"})
    return who, None


async def _read_limited(request: Request) -> bytes | None:
    """The whole body, or None once it passes the upload limit (checked on Content-Length first, then as it streams)."""
    limit = settings.upload_max_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def post_inspection(request: Request):
    who, err = await _authenticate(request)
    if err:
        return err
    body = await _read_limited(request)
    if body is None:
        return _problem(413, f"upload larger than {settings.upload_max_bytes} bytes; nothing was stored",
                        [("body", f"at most {settings.upload_max_bytes // (1024 * 1024)} MB including photos")])
    ctype = request.headers.get("content-type", "")
    files: list[tuple[str, bytes]] = []
    if ctype.startswith("application/json"):
        raw = body
    elif ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}
        try:
            form = await Request(request.scope, replay).form(max_files=50, max_fields=20,
                                                             max_part_size=settings.upload_max_bytes)
        except MultiPartException as e:
            return _problem(400, "malformed multipart body", [("body", str(e))])
        raw = form.get("submission")
        if raw is None:
            return _problem(422, "the multipart body needs a 'submission' field holding the JSON",
                            [("submission", "required")])
        if not isinstance(raw, str):
            raw = await raw.read()
        for i, up in enumerate(form.getlist("photos")):
            if isinstance(up, str):
                return _problem(422, "photos must be files", [(f"photos[{i}]", "expected a file part")])
            files.append((up.filename or f"photo{i}", await up.read()))
    else:
        return _problem(415, "send multipart/form-data (submission + photos) or application/json",
                        [("Content-Type", ctype or "missing")])
    try:
        sub = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        return _problem(400, "the submission is not valid JSON; nothing was stored", [("submission", str(e))])
    except RecursionError:
        field = deep_field(raw if isinstance(raw, str) else raw.decode("utf-8", "replace"), records.MAX_DEPTH)
        return _problem(422, "submission refused; nothing was stored",
                        [(field, f"nested deeper than {records.MAX_DEPTH} levels")])
    try:
        res = await run_in_threadpool(_as_user, who, records.submit, who, sub, files)
    except records.BadInput as err:
        e = await run_in_threadpool(_scoped_refusal, err, who, sub)
        return _problem(e.status, "submission refused; nothing was stored", e.problems)
    return JSONResponse({"id": res.id, "created": res.created, "result": res.result, "flags": res.flags},
                        status_code=201 if res.created else 200,
                        headers={"Location": f"{PREFIX}/inspections/{res.id}"})


def _exists(inspection_id) -> bool:
    """Whether an inspection exists at all (owner's connection): tells 'outside your scope' (403) from 'no such
    inspection' (404) when row-level security hides it from the caller. Only the answer leaves this function."""
    with db.transaction(pool=True) as owner, owner.cursor() as cur:
        cur.execute("SELECT 1 FROM inspections WHERE id = %s", (inspection_id,))
        return cur.fetchone() is not None


def _scoped_refusal(e: records.BadInput, who, sub):
    """A target the caller's row-level security hid reads as 'unknown' (422) to records.submit; when it does exist
    (owner's connection), answer as before: 403, outside your scope. Otherwise the error as it was."""
    if e.status != 422 or [f for f, _ in e.problems] != ["target_id"]:
        return e
    try:
        params = records.parse(sub)
    except records.BadInput:
        return e
    with db.transaction(pool=True) as owner, owner.cursor() as cur:
        cur.execute(records.SQL("target"), params)
        found = cur.fetchone() is not None
    if not found:
        return e
    return records.BadInput([("target_id", f"{params['target_id']} is outside your scope {who.scope_code}")], 403)


def _get(conn, who, inspection_id):
    with conn.cursor() as cur:
        rec = records.get(cur, inspection_id)
    conn.rollback()
    if rec is None:  # row-level security hid it, or there is none: keep the API's 403 for one outside the scope
        return "forbidden" if _exists(inspection_id) else None
    if rec["inspector_id"] != who.id and not who.covers(rec["village_code"]):
        return "forbidden"
    return rec


async def get_inspection(request: Request):
    who, err = await _authenticate(request)
    if err:
        return err
    iid = request.path_params["id"]
    try:
        iid = str(uuid.UUID(iid))
    except ValueError:
        return _problem(404, f"no inspection {iid}", [("id", "not a UUID")])
    rec = await run_in_threadpool(_as_user, who, _get, who, iid)
    if rec is None:
        return _problem(404, f"no inspection {iid}", [("id", "unknown")])
    if rec == "forbidden":
        return _problem(403, "that inspection is outside your scope", [("id", iid)])
    return JSONResponse(rec)


async def post_transition(request: Request):
    who, err = await _authenticate(request)
    if err:
        return err
    try:
        uuid.UUID(request.path_params["id"])
    except ValueError:
        return _problem(404, "no such inspection", [("id", "not a UUID")])
    try:
        body = await request.json()
        to_state, reason = body["to"], body.get("reason")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return _problem(422, "expected JSON {\"to\": state, \"reason\": text}", [("to", "required")])
    bad = [(f, "expected text without NUL characters, at most 2000 characters")
           for f, v in (("to", to_state), ("reason", reason))
           if (v is not None or f == "to") and not (isinstance(v, str) and "\x00" not in v and len(v) <= 2000)]
    if bad:
        return _problem(422, "transition refused; nothing was changed", bad)
    try:
        state = await run_in_threadpool(_as_user, who, workflow.transition, request.path_params["id"], who,
                                        to_state, reason)
    except workflow.WorkflowError as e:
        if e.status == 404 and await run_in_threadpool(_exists, request.path_params["id"]):
            return _problem(403, "that inspection is outside your scope", [("id", request.path_params["id"])])
        return _problem(e.status, str(e), [("to", str(e))])
    return JSONResponse({"id": request.path_params["id"], "review_state": state})


async def get_tasks(request: Request):
    who, err = await _authenticate(request)
    if err:
        return err
    near = request.query_params.get("near")
    lon = lat = None
    if near:
        try:
            lon, lat = (float(x) for x in near.split(","))
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError
        except ValueError:
            return _problem(422, "near must be lon,lat in degrees", [("near", near)])
    df = await run_in_threadpool(_as_user, who, lambda conn: schedule.tasks(conn, who, lon, lat))
    for col in ("due_on", "last_on"):  # dates as dates, not midnights
        df[col] = df[col].map(lambda d: d.isoformat() if d is not None and d == d else None)
    return Response(df.to_json(orient="records", force_ascii=False), media_type="application/json")


async def get_work(request: Request):
    """The signed-in inspector's work for the offline field app (inspections.fieldwork.bundle): one download before a
    day without signal (the server's gzip middleware compresses it)."""
    who, err = await _authenticate(request)
    if err:
        return err
    work = await run_in_threadpool(_as_user, who, lambda conn: fieldwork.bundle(conn, who))
    return Response(json.dumps(work, ensure_ascii=False, separators=(",", ":")), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


async def get_form(request: Request):
    kind = request.path_params["kind"]
    if kind not in forms.kinds():
        return _problem(404, f"no form {kind}", [("kind", ", ".join(forms.kinds()))])
    if request.query_params.get("format") == "xform":
        return Response(forms.xform(kind), media_type="text/xml")
    return JSONResponse(forms.load(kind).rows)


# --- ODK Collect (OpenRosa 1.0): the server URL to give Collect is http://HOST:PORT/api/v1/openrosa/key/TOKEN ---

_OR_HEADERS = {"X-OpenRosa-Version": "1.0"}


def _or(status: int, message: str) -> Response:
    return Response(openrosa.response(message), status_code=status, media_type="text/xml", headers=_OR_HEADERS)


async def _or_who(request: Request):
    """The inspector of the URL's ODK key: only a key of that kind opens the OpenRosa routes."""
    return await run_in_threadpool(_who, request.path_params["token"], sessions.ODK)


async def or_form_list(request: Request):
    if await _or_who(request) is None:
        return _or(401, "unknown or revoked token")
    base = str(request.url).rsplit("/formList", 1)[0]
    return Response(openrosa.form_list(base), media_type="text/xml", headers=_OR_HEADERS)


async def or_form(request: Request):
    if await _or_who(request) is None:
        return _or(401, "unknown or revoked token")
    kind = request.path_params["kind"]
    if kind not in forms.kinds():
        return _or(404, f"no form {kind}")
    return Response(forms.xform(kind), media_type="text/xml", headers=_OR_HEADERS)


async def or_submission(request: Request):
    who = await _or_who(request)
    if who is None:
        return _or(401, "unknown or revoked token")
    if request.method == "HEAD":
        return Response(status_code=204, headers={**_OR_HEADERS,
                                                  "X-OpenRosa-Accept-Content-Length": str(settings.upload_max_bytes)})
    body = await _read_limited(request)
    if body is None:
        return _or(413, f"submission larger than {settings.upload_max_bytes} bytes; nothing was stored")

    async def replay():
        return {"type": "http.request", "body": body, "more_body": False}
    try:
        form = await Request(request.scope, replay).form(max_files=50, max_fields=20,
                                                         max_part_size=settings.upload_max_bytes)
        xml = form.get("xml_submission_file")
        if xml is None or isinstance(xml, str):
            return _or(400, "xml_submission_file: required (the instance XML as a file part)")
        sub, names = openrosa.to_submission(await xml.read())
        parts = {up.filename: up for _, up in form.multi_items() if not isinstance(up, str)}
        files = [(n, await parts[n].read()) for n in names if n in parts]
    except MultiPartException as e:
        return _or(400, f"malformed multipart body: {e}")
    except openrosa.BadInstance as e:
        return _or(400, f"xml_submission_file: {e}")
    try:
        res = await run_in_threadpool(_as_user, who, records.submit, who, sub, files)
    except records.BadInput as err:
        e = await run_in_threadpool(_scoped_refusal, err, who, sub)
        return _or(e.status if e.status != 422 else 400,
                   "; ".join(f"{f}: {m}" for f, m in e.problems) + " (nothing was stored)")
    flags = "、".join(f["label_zh"] for f in res.flags)
    return _or(201 if res.created else 200, ("已保存" if res.created else "已保存过") + (f"；提示：{flags}" if flags else ""))


def deep_field(text: str, limit: int) -> str:
    """The field (as 'answers.notes') of a JSON text where it nests deeper than `limit` levels; read off the text
    itself, because a parser gives up on such a text without saying where (an error path only)."""
    stack: list[list] = []   # per open container: its bracket and the key or index being read
    awaiting_key, i = False, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if awaiting_key and stack and stack[-1][0] == "{":
                try:
                    stack[-1][1] = json.loads(text[i:j + 1])
                except ValueError:
                    stack[-1][1] = text[i + 1:j]
                awaiting_key = False
            i = j + 1
            continue
        if c in "{[":
            if len(stack) >= limit:
                break
            stack.append([c, 0 if c == "[" else None])
            awaiting_key = c == "{"
        elif c in "}]" and stack:
            stack.pop()
        elif c == "," and stack:
            if stack[-1][0] == "[":
                stack[-1][1] += 1
            else:
                awaiting_key = True
        i += 1
    names = []
    for bracket, name in stack:   # the keys down to the first list: the field a person would name
        if bracket == "[" or name is None:
            break
        names.append(str(name))
    return ".".join(names) or "submission"


async def openapi(request: Request):
    return JSONResponse(OPENAPI)


_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_ERR = {s: {"description": d, "content": {"application/json": {"schema": _PROBLEM}}}
        for s, d in [("400", "malformed JSON or multipart"), ("401", "no valid token"), ("403", "outside scope"),
                     ("404", "unknown"), ("409", "conflict"), ("413", "upload over the limit"),
                     ("422", "a field is missing or wrong")]}
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Dixian field inspections API", "version": "1",
             "description": "底线 巡查核查接口. Every call needs `Authorization: Bearer <token>` "
                            "(an account's token: `POST /api/v1/auth/token` with login and password, or "
                            "`python -m accounts issue-token`)."},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Problem": {"type": "object", "properties": {
                "error": {"type": "string"},
                "problems": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string"}, "message": {"type": "string"}}}}}},
            "Submission": {"type": "object", "required": ["id", "kind", "target_id", "started_at", "submitted_at",
                                                          "location"],
                           "properties": {
                "id": {"type": "string", "format": "uuid", "description": "generated on the device; a retry reuses it"},
                "kind": {"type": "string", "enum": forms.kinds()},
                "target_id": {"type": "string"},
                "started_at": {"type": "string", "format": "date-time", "description": "with the device's zone"},
                "submitted_at": {"type": "string", "format": "date-time"},
                "utc_offset_min": {"type": "integer", "description": "device zone; default: started_at's offset"},
                "location": {"type": "object", "required": ["lon", "lat"], "properties": {
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "accuracy_m": {"type": "number", "minimum": 0}}},
                "answers": {"type": "object", "description": "question name → answer, per GET /forms/{kind}"},
                "reinspection_of": {"type": "string", "format": "uuid"}}},
            "Submitted": {"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid"}, "created": {"type": "boolean"},
                "result": {"type": "string", "enum": ["pass", "fail"]},
                "flags": {"type": "array", "items": {"type": "object"}}}},
        }},
    "security": [{"bearer": []}],
    "paths": {
        f"{PREFIX}/inspections": {"post": {
            "summary": "Submit an inspection (the JSON plus photo files)",
            "requestBody": {"content": {
                "multipart/form-data": {"schema": {"type": "object", "required": ["submission"], "properties": {
                    "submission": {"type": "string", "description": "the Submission as JSON text"},
                    "photos": {"type": "array", "items": {"type": "string", "format": "binary"},
                               "description": "JPEG or HEIC, EXIF kept"}}}},
                "application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}}},
            "responses": {"201": {"description": "stored; id and flags",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submitted"}}}},
                          "200": {"description": "that UUID was already stored: the same id, nothing new",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submitted"}}}},
                          **{k: _ERR[k] for k in ("400", "401", "403", "409", "413", "422")}}}},
        f"{PREFIX}/inspections/{{id}}": {"get": {
            "summary": "One inspection with its flags, photos and review history",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
            "responses": {"200": {"description": "the inspection"}, **{k: _ERR[k] for k in ("401", "403", "404")}}}},
        f"{PREFIX}/inspections/{{id}}/transitions": {"post": {
            "summary": "Move an inspection along the review chain, or return it with a reason",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["to"], "properties": {
                "to": {"type": "string", "enum": ["village_verified", "township_reviewed", "county_confirmed",
                                                  "returned", "submitted"]},
                "reason": {"type": "string"}}}}}},
            "responses": {"200": {"description": "the new state"}, **{k: _ERR[k] for k in ("401", "403", "404", "409", "422")}}}},
        f"{PREFIX}/tasks": {"get": {
            "summary": "Checks due in your scope, nearest first",
            "parameters": [{"name": "near", "in": "query", "schema": {"type": "string", "example": "101.95,24.05"},
                            "description": "lon,lat (CGCS2000/WGS84 degrees)"}],
            "responses": {"200": {"description": "due checks: kind, target, due_on, days_overdue, distance_m"},
                          **{k: _ERR[k] for k in ("401", "422")}}}},
        f"{PREFIX}/work": {"get": {
            "summary": "My work for the offline field app (/field/): due checks, every target of my scope with its "
                       "position and prefilled answers per form, the seven forms (XLSForm rows), outlines for a map",
            "responses": {"200": {"description": "{generated_at, as_of, inspector, settings, forms, tasks, targets, "
                                                 "targets_total, outlines (GeoJSON)}"},
                          **{k: _ERR[k] for k in ("401",)}}}},
        f"{PREFIX}/forms/{{kind}}": {"get": {
            "summary": "A form as XLSForm rows (JSON), or as an ODK XForm with ?format=xform",
            "security": [],
            "parameters": [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": forms.kinds()}},
                           {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["xform"]}}],
            "responses": {"200": {"description": "the form"}, "404": _ERR["404"]}}},
        f"{PREFIX}/openrosa/key/{{token}}/submission": {"post": {
            "summary": "ODK Collect submission (OpenRosa 1.0: xml_submission_file plus photo parts); give Collect "
                       "the server URL …/api/v1/openrosa/key/KEY of POST /api/v1/auth/odk-key (formList and "
                       "forms/KIND.xml live there too; an API token does not open these routes)",
            "security": [],
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"201": {"description": "stored (OpenRosaResponse XML)"},
                          "200": {"description": "that instanceID was already stored"},
                          "400": {"description": "unreadable instance or a field wrong; nothing stored"},
                          "401": {"description": "unknown token"}, "413": {"description": "over the limit"}}}},
        f"{PREFIX}/openapi.json": {"get": {"summary": "This document", "security": [],
                                           "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        **accounts_api.OPENAPI_PATHS,
    },
}


def routes() -> list[Route]:
    """The API's routes, for server.py's st.App(routes=…)."""
    return [
        Route(f"{PREFIX}/inspections", post_inspection, methods=["POST"]),
        Route(f"{PREFIX}/inspections/{{id}}", get_inspection, methods=["GET"]),
        Route(f"{PREFIX}/inspections/{{id}}/transitions", post_transition, methods=["POST"]),
        Route(f"{PREFIX}/tasks", get_tasks, methods=["GET"]),
        Route(f"{PREFIX}/work", get_work, methods=["GET"]),
        Route(f"{PREFIX}/forms/{{kind}}", get_form, methods=["GET"]),
        Route(f"{PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(f"{PREFIX}/openrosa/key/{{token}}/formList", or_form_list, methods=["GET"]),
        Route(f"{PREFIX}/openrosa/key/{{token}}/forms/{{kind}}.xml", or_form, methods=["GET"]),
        Route(f"{PREFIX}/openrosa/key/{{token}}/submission", or_submission, methods=["HEAD", "POST"]),
    ]
