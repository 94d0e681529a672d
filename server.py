"""The one server process: the Streamlit pages, the field API as Starlette routes, the authenticated downloads, the
inspectors' offline app (/field/) and the map's vector tiles (/tiles/), on one port."""
import logging
import math

import streamlit as st
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from streamlit import config

from accounts import api as accounts_api
from accounts import downloads
from board import tileserver
from geo.settings import settings
from inspections import fieldapp
from inspections.api import routes as inspection_routes
from monitoring.api import routes as monitoring_routes


async def health(request):
    return JSONResponse({"status": "ok"})


# The pages' uploads are capped where the field API's are (Streamlit counts whole MiB).
config.set_option("server.maxUploadSize", max(1, math.floor(settings.upload_max_bytes / 2**20)),
                  "DIXIAN_UPLOAD_MAX_BYTES")
# An ODK Collect key travels in the URL: uvicorn's access log shows the path with the key replaced.
logging.getLogger("uvicorn.access").addFilter(accounts_api.RedactKeys())

# Every /api/ request is rate-limited per verified token or address; bodies are capped at the larger of the API
# limit and the inspection upload limit (a submission with its photos), and inspections.api checks its own limit.
# The monitoring routes come before the inspections': their OpenAPI document is the inspections' with their paths
# added.
app = st.App("app.py",
             routes=[Route("/api/v1/health", health), *accounts_api.routes, *downloads.routes, *monitoring_routes(),
                     *inspection_routes(), *fieldapp.routes(), *tileserver.routes],
             middleware=[Middleware(accounts_api.ApiLimits,
                                    max_body=max(settings.api_max_body_bytes, settings.upload_max_bytes))])
