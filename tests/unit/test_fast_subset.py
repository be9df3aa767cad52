"""``kepuri test --fast``: which tests carry the ``fast`` marker, and the command line that runs them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from cli import _parser
from tests.conftest import TESTS, is_fast


def item(path: str, *fixtures: str) -> pytest.Item:
    return cast(pytest.Item, SimpleNamespace(path=TESTS / path, fixturenames=["request", *fixtures]))


@pytest.mark.parametrize(
    "path",
    ["unit/test_serve.py", "contract/test_bus.py", "review/unit/test_decisions.py", "registration/unit/deep/test_x.py"],
)
def test_the_unit_and_contract_suites_are_fast(path: str) -> None:
    assert is_fast(item(path, "tmp_path"))


@pytest.mark.parametrize(
    "path", ["e2e/test_failures.py", "review/test_lists.py", "web/test_site.py", "unit_like/test_x.py"]
)
def test_the_other_suites_are_not(path: str) -> None:
    assert not is_fast(item(path))


@pytest.mark.parametrize("fixture", ["fresh_postgres_url", "postgres_server", "kafka_bootstrap", "own_postgres"])
def test_a_test_that_needs_postgresql_or_kafka_is_not(fixture: str) -> None:
    assert not is_fast(item("contract/test_store.py", fixture))


def test_this_file_is_fast(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("fast") is not None
    assert Path(request.node.path).parent == TESTS / "unit"


def test_kepuri_test_fast_passes_the_rest_to_pytest() -> None:
    args, extra = _parser().parse_known_args(["test", "--fast", "-x", "-k", "bus"])
    assert args.fast and extra == ["-x", "-k", "bus"]
    args, extra = _parser().parse_known_args(["test", "-x"])
    assert not args.fast and extra == ["-x"]
