"""The inspectors' offline web app at /field/: its static files (static/field/) under a strict content policy, and its
service worker told which files make the app shell and the shell's version, both read off the files themselves."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from geo.settings import PROJECT_ROOT

FIELD_DIR = PROJECT_ROOT / "static" / "field"
URL = "/field/"
SHELL_SUFFIXES = (".html", ".js", ".css", ".webmanifest", ".png", ".svg")
# Scripts, styles and data only from this origin (no inline script, no CDN); photos shown from blob: URLs.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=1)
def shell() -> tuple[list[str], str]:
    """The app shell's URLs (every served file but the worker itself) and a version that changes with any byte."""
    files = sorted(p for p in FIELD_DIR.rglob("*")
                   if p.is_file() and p.suffix in SHELL_SUFFIXES and p.name != "sw.js")
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.relative_to(FIELD_DIR).as_posix().encode() + b"\0" + p.read_bytes())
    urls = [URL] + [URL + p.relative_to(FIELD_DIR).as_posix() for p in files if p.name != "index.html"]
    return urls, digest.hexdigest()[:16]


def shell_bytes() -> int:
    """What the app shell weighs on the phone (the files the service worker keeps, and the worker)."""
    return sum(p.stat().st_size for p in FIELD_DIR.rglob("*")
               if p.is_file() and (p.suffix in SHELL_SUFFIXES))


async def service_worker(request):
    """sw.js with the shell's list and version in front: a changed file changes the worker, so phones update."""
    urls, version = shell()
    head = f"const SHELL = {json.dumps(urls)};\nconst VERSION = {json.dumps(version)};\n"
    body = head + (FIELD_DIR / "sw.js").read_text(encoding="utf-8")
    return Response(body, media_type="text/javascript",
                    headers={**HEADERS, "Cache-Control": "no-cache", "Service-Worker-Allowed": URL})


class _Static(StaticFiles):
    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        response.headers.update({**HEADERS, "Cache-Control": "no-cache"})
        return response


def routes() -> list:
    """The app's routes, for server.py's st.App(routes=…)."""
    return [Route("/field", lambda request: RedirectResponse(URL, 308)),
            Route(URL + "sw.js", service_worker),
            Mount("/field", app=_Static(directory=Path(FIELD_DIR), html=True), name="field")]
