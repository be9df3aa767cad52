"""Each kind of refusal answers as it always has: its status, title, problem type and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.review.api.errors import problem_of
from services.review.domain.errors import (
    BadParameter,
    BulkRefused,
    DeadlinePassed,
    InvalidCursor,
    NotEligible,
    OutsideJurisdiction,
    QuotaFull,
    Refused,
    Unknown,
    WrongState,
)
from services.review.domain.files import FileRefused
from shared.web.problems import problem_response


def body(exc: Refused) -> dict[str, Any]:
    answer = problem_response(problem_of(exc))
    assert answer.media_type == "application/problem+json"
    found: dict[str, Any] = json.loads(bytes(answer.body))
    assert found["status"] == answer.status_code
    return found


@pytest.mark.parametrize(
    ("exc", "status", "title", "type_"),
    [
        (OutsideJurisdiction("x"), 403, "Outside your jurisdiction", "/problems/outside-jurisdiction"),
        (Unknown("x"), 404, "Not found", "/problems/unknown"),
        (QuotaFull("x"), 409, "Quota full", "/problems/quota-full"),
        (WrongState("x"), 409, "Conflict", "/problems/wrong-state"),
        (NotEligible("x"), 422, "Not eligible", "/problems/not-eligible"),
        (DeadlinePassed("x"), 422, "Deadline passed", "/problems/deadline-passed"),
        (FileRefused("x"), 422, "Not eligible", "/problems/file-refused"),
        (BadParameter("x"), 422, "Unprocessable", "/problems/bad-parameter"),
        (Refused("x"), 422, "Unprocessable", "/problems/refused"),
    ],
)
def test_each_kind_answers_with_its_status_title_and_type(exc: Refused, status: int, title: str, type_: str) -> None:
    assert body(exc) == {"type": type_, "title": title, "status": status, "detail": "x"}


def test_a_refusal_naming_a_field_lists_it_in_errors() -> None:
    assert body(Unknown("活动年度 9 不存在 (no such campaign)", field="campaign")) == {
        "type": "/problems/unknown",
        "title": "Not found",
        "status": 404,
        "detail": "活动年度 9 不存在 (no such campaign)",
        "errors": [{"field": "campaign", "message": "活动年度 9 不存在 (no such campaign)"}],
    }


def test_an_invalid_cursor_answers_as_the_shared_cursor_codec_does() -> None:
    assert body(InvalidCursor()) == {
        "type": "about:blank",
        "title": "分页游标无效 (invalid cursor)",
        "status": 422,
        "detail": "The cursor is not one this API returned; start again without it",
        "errors": [{"field": "cursor", "message": "not a cursor of this listing"}],
    }


def test_a_bulk_refusal_answers_as_its_gravest_failure_and_names_each() -> None:
    failures: dict[str, Refused] = {"a": WrongState("withdrawn"), "b": Unknown("no such activity")}
    assert body(BulkRefused(failures)) == {
        "type": "/problems/bulk-refused",
        "title": "Not found",
        "status": 404,
        "detail": "2 个活动不能审核通过，均未处理 (nothing was approved): a: withdrawn; b: no such activity",
        "errors": [
            {"field": "activity_ids", "activity_id": "a", "status": 409, "message": "withdrawn"},
            {"field": "activity_ids", "activity_id": "b", "status": 404, "message": "no such activity"},
        ],
    }
    assert body(BulkRefused({**failures, "c": OutsideJurisdiction("outside")}))["status"] == 403
    assert body(BulkRefused({"a": WrongState("withdrawn")}))["title"] == "Conflict"
