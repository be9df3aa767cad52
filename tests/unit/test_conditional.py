"""shared/web/conditional.py: strong tags of the body's bytes, If-None-Match as RFC 9110 reads it (weak
comparison, lists, ``*``), 304 without a body but with the tag and the freshness, private answers never
public."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from shared.web.conditional import PRIVATE, Freshness, Rendered, conditional, none_match

ANSWER = Rendered.json({"items": [{"name": "科普讲座"}], "next_cursor": None})
TAG = ANSWER.etag


def test_the_tag_is_strong_quoted_and_follows_the_bytes() -> None:
    assert TAG.startswith('"') and TAG.endswith('"') and not TAG.startswith("W/")
    assert Rendered.json({"items": [{"name": "科普讲座"}], "next_cursor": None}).etag == TAG
    assert Rendered.json({"items": [{"name": "科普讲堂"}], "next_cursor": None}).etag != TAG
    assert ANSWER.body.decode() == '{"items":[{"name":"科普讲座"}],"next_cursor":null}'  # UTF-8, not escaped


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        (TAG, True),
        (f"W/{TAG}", True),  # weak comparison: a weak tag of the same opaque value matches
        (f'"other", {TAG}', True),
        (f'W/"other",W/{TAG}', True),
        ("*", True),
        (" * ", True),
        ('"other"', False),
        ('"a,b", "c"', False),  # a comma inside a tag does not split it
        (TAG.strip('"'), False),  # unquoted is not a tag
        (f'"{TAG}"', False),
    ],
)
def test_if_none_match_forms(header: str | None, matches: bool) -> None:
    assert none_match(header, TAG) is matches


def test_a_comma_inside_a_tag_is_part_of_it() -> None:
    assert none_match('"x", "a,b"', '"a,b"')
    assert not none_match('"a", "b"', '"a,b"')


def test_cache_control_of_public_and_private_answers() -> None:
    assert Freshness(5, 10).cache_control == "public, max-age=5, stale-while-revalidate=10"
    assert Freshness(1).cache_control == "public, max-age=1"
    assert Freshness(0).cache_control == "public, no-cache"  # kept, but asked again every time
    assert PRIVATE.cache_control == "private, no-cache"
    assert "public" not in Freshness(60, 60, shared=False).cache_control


def app_with(freshness: Freshness) -> FastAPI:
    app = FastAPI()

    @app.get("/answer")
    async def answer(request: Request) -> Response:
        return conditional(request, ANSWER, freshness, vary="Accept-Language")

    return app


async def ask(app: FastAPI, method: str = "GET", **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.request(method, "/answer", headers=headers)


async def test_a_matching_if_none_match_is_answered_304_without_a_body_with_its_headers() -> None:
    app = app_with(Freshness(5, 10))
    first = await ask(app)
    assert first.status_code == 200 and first.content == ANSWER.body
    assert first.headers["etag"] == TAG
    assert first.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=10"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["vary"] == "Accept-Language"

    again = await ask(app, **{"If-None-Match": f'"other", W/{TAG}'})
    assert again.status_code == 304 and again.content == b""
    assert "content-length" not in again.headers and "content-type" not in again.headers
    assert again.headers["etag"] == TAG  # RFC 9110 §15.4.5: the headers a 200 would have sent
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert again.headers["vary"] == "Accept-Language"

    assert (await ask(app, **{"If-None-Match": "*"})).status_code == 304
    changed = await ask(app, **{"If-None-Match": '"an-older-answer"'})
    assert changed.status_code == 200 and changed.content == ANSWER.body


async def test_head_is_conditional_too() -> None:
    app = FastAPI()

    async def answer(request: Request) -> Response:
        return conditional(request, ANSWER, Freshness(1))

    app.add_api_route("/answer", answer, methods=["GET", "HEAD"])
    assert (await ask(app, "HEAD", **{"If-None-Match": TAG})).status_code == 304


async def test_a_private_answer_is_never_public() -> None:
    app = app_with(PRIVATE)
    answer = await ask(app, Authorization="Bearer a-staff-token")
    assert answer.headers["cache-control"] == "private, no-cache"
    assert "public" not in answer.headers["cache-control"]
    revalidated = await ask(app, Authorization="Bearer a-staff-token", **{"If-None-Match": TAG})
    assert revalidated.status_code == 304 and revalidated.headers["cache-control"] == "private, no-cache"
