"""`python -m geo serve`: the app and the field API in one process (uvicorn serving server:app)."""
from __future__ import annotations

import os
import sys

from .settings import PROJECT_ROOT, settings


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the app and the field API on one port",
                       description="Serve the Streamlit pages and the field API (server.py) with uvicorn.")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=settings.app_port)
    p.set_defaults(func=run)


def run(args) -> int:
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "uvicorn", "server:app", "--host", args.host,
                              "--port", str(args.port)])
    return 0
