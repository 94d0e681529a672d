"""The one server process: the Streamlit pages and the field API as Starlette routes, on one port."""
import streamlit as st
from starlette.responses import JSONResponse
from starlette.routing import Route

from inspections.api import routes as inspection_routes


async def health(request):
    return JSONResponse({"status": "ok"})


app = st.App("app.py", routes=[Route("/api/v1/health", health), *inspection_routes()])
