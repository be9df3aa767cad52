"""The dashboard page's own headers: its strict policy, and same-origin opener isolation, so that the
site's workbench that opens it stays its opener (the token hand-off of static/dashboard.js) and no
window of another origin can hold it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.analytics.operations_dashboard.page import PAGE_POLICY, STATIC, install_page


def test_the_page_is_served_with_its_policy_and_same_origin_opener_isolation() -> None:
    app = FastAPI()
    install_page(app)
    with TestClient(app) as client:
        answer = client.get("/dashboard")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == PAGE_POLICY
    assert answer.headers["cross-origin-opener-policy"] == "same-origin"


def test_the_page_takes_a_token_only_from_its_opener_on_its_own_origin() -> None:
    script = (STATIC / "dashboard.js").read_text(encoding="utf-8")
    assert "opener.postMessage({ type: TOKEN_REQUEST }, window.location.origin)" in script
    assert "event.origin !== window.location.origin || event.source !== opener" in script
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    assert "localStorage" not in code and "sessionStorage" not in code and "cookie" not in code
