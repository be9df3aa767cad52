"""Notification's refusals as problem+json, mapped once: each title and body exactly as answered."""

from __future__ import annotations

import orjson

from services.notification.api.errors import problem
from services.notification.domain.errors import NotFound, RuleBroken, Unsigned
from shared.web.problems import problem_response


def _body(exc: Exception) -> tuple[int, dict[str, object]]:
    response = problem_response(problem(exc))  # type: ignore[arg-type]
    assert response.media_type == "application/problem+json"
    return response.status_code, orjson.loads(response.body)


def test_each_refusal_has_its_status_and_title() -> None:
    assert _body(NotFound("message", "No message m1")) == (
        404,
        {"type": "about:blank", "title": "消息不存在 (no such message)", "status": 404, "detail": "No message m1"},
    )
    assert _body(NotFound("sms provider", "none"))[1]["title"] == "未配置短信服务商 (no SMS provider)"
    assert _body(NotFound("template", "Kinds: …"))[1]["title"] == "没有这种模板 (no such template)"
    assert _body(Unsigned("receipt", "bad"))[:1] == (401,)
    assert _body(Unsigned("receipt", "bad"))[1]["title"] == "回执签名无效 (invalid receipt)"
    assert _body(Unsigned("inbound", "bad"))[1]["title"] == "回复签名无效 (invalid inbound message)"
    assert _body(RuleBroken("template", "source", "未知变量 phone", "模板 thank_you/sms：未知变量 phone")) == (
        422,
        {
            "type": "about:blank",
            "title": "模板无效 (invalid template)",
            "status": 422,
            "detail": "模板 thank_you/sms：未知变量 phone",
            "errors": [{"field": "source", "message": "未知变量 phone"}],
        },
    )
