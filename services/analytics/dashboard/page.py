"""``/dashboard``: the page, and its scripts, styles and vendored libraries under ``/dashboard/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"

page_router = APIRouter(tags=["dashboard"])


@page_router.get("/dashboard", include_in_schema=False)
async def dashboard_page() -> FileResponse:
    return FileResponse(STATIC / "dashboard.html", media_type="text/html; charset=utf-8")


def install_page(app: FastAPI) -> None:
    """Add the page and its static files to the app (outside ``/api/v1``)."""
    app.include_router(page_router)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
