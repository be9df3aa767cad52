"""``/dashboard``: the page, and its scripts, styles and vendored libraries under ``/dashboard/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# The page, its script and styles, ECharts and the map come from this origin; the figures from its API
# (fetch and EventSource). No inline script or style in the page; ECharts styles its elements through
# the CSSOM, which a policy does not restrict. The favicon is an empty data: URL.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

page_router = APIRouter(tags=["dashboard"])


@page_router.get("/dashboard", include_in_schema=False)
async def dashboard_page() -> FileResponse:
    return FileResponse(
        STATIC / "dashboard.html",
        media_type="text/html; charset=utf-8",
        # same-origin, as the site's pages: a workbench that opens the page keeps it as its opener
        # (the token hand-off, static/dashboard.js) and no other origin's window can hold it
        headers={"Content-Security-Policy": PAGE_POLICY, "Cross-Origin-Opener-Policy": "same-origin"},
    )


def install_page(app: FastAPI) -> None:
    """Add the page and its static files to the app (outside ``/api/v1``)."""
    app.include_router(page_router)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
