"""A service that cannot fetch registration's key set answers 503 with Retry-After, not 401: the
caller's token may well be valid, and a client should retry rather than log the person out."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.review.bootstrap import build, create_app
from services.review.settings import ReviewSettings
from shared.auth import JwksVerifier, Principal, generate_private_key_pem, sign_token


async def test_a_token_that_cannot_be_checked_for_want_of_the_key_set_is_a_503(tmp_path: Path) -> None:
    settings = ReviewSettings(data_dir=tmp_path, bus_url=f"embedded:{tmp_path / 'bus.db'}", environment="test")
    app = create_app(build(settings, verifier=JwksVerifier("http://127.0.0.1:9/api/v1/auth/jwks.json")))
    token = sign_token(
        generate_private_key_pem(), Principal("r-1", "reviewer", None, "city", "6105"), kid="registration-1"
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kepuri") as client:
            answer = await client.get("/api/v1/review/queue", headers={"Authorization": f"Bearer {token}"})
            anonymous = await client.get("/api/v1/review/queue")
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) >= 1 and answer.json()["retry_after"] >= 1
    assert "暂时无法验证" in answer.json()["title"]
    assert anonymous.status_code == 401  # no token at all is still simply unauthenticated
