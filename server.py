"""The one server process: the Streamlit pages, the field API as Starlette routes, the inspectors' offline app
(/field/) and the map's vector tiles (/tiles/), on one port."""
import streamlit as st
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route

from accounts import api as accounts_api
from board import tileserver
from geo.settings import settings
from inspections import fieldapp
from inspections.api import routes as inspection_routes


async def health(request):
    return JSONResponse({"status": "ok"})


# Every /api/ request is rate-limited per token or address; bodies are capped at the larger of the API limit and the
# inspection upload limit (a submission with its photos), and inspections.api checks its own limit again.
app = st.App("app.py",
             routes=[Route("/api/v1/health", health), *accounts_api.routes, *inspection_routes(),
                     *fieldapp.routes(), *tileserver.routes],
             middleware=[Middleware(accounts_api.ApiLimits,
                                    max_body=max(settings.api_max_body_bytes, settings.upload_max_bytes))])
