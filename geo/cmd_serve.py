"""`python -m geo serve`: the app and the field API in one process (uvicorn serving server:app), on this machine's
loopback address unless DIXIAN_HOST (or --host) opens it; X-Forwarded-For and -Proto believed only from
DIXIAN_TRUSTED_PROXIES."""
from __future__ import annotations

import os
import sys

from .settings import PROJECT_ROOT, settings


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the app and the field API on one port",
                       description="Serve the Streamlit pages and the field API (server.py) with uvicorn. Listens on "
                                   "127.0.0.1 unless --host or DIXIAN_HOST says otherwise (0.0.0.0: every address; "
                                   "put it behind a TLS proxy, see README).")
    p.add_argument("--host", default=settings.host)
    p.add_argument("--port", type=int, default=settings.app_port)
    p.set_defaults(func=run)


def uvicorn_args(host: str, port: int) -> list[str]:
    """uvicorn's command line: the app, the address, and which proxies' forwarded headers to believe."""
    args = ["server:app", "--host", host, "--port", str(port)]
    proxies = settings.trusted_proxies.strip()
    return args + (["--proxy-headers", "--forwarded-allow-ips", proxies] if proxies else ["--no-proxy-headers"])


def run(args) -> int:
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *uvicorn_args(args.host, args.port)])
    return 0
