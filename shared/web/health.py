"""``/healthz`` (the process lives), ``/readyz`` (database and bus reachable) and ``/metrics``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from ..observability.metrics import metrics_response
from .problems import MEDIA_TYPE

Check = Callable[[], Awaitable[None]]


def health_router(checks: Callable[[], Mapping[str, Check]]) -> APIRouter:
    """Routes for liveness, readiness and metrics; ``checks`` names the dependencies to probe."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: the database and the bus answer")
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks().items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unavailable: {exc}"
        if all(v == "ok" for v in results.values()):
            return JSONResponse({"status": "ready", "checks": results})
        body = {"type": "about:blank", "title": "Not ready", "status": 503, "checks": results}
        return JSONResponse(body, status_code=503, media_type=MEDIA_TYPE)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return metrics_response()

    return router
