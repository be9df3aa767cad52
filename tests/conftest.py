"""Test-wide fixtures (real brokers and databases started from PyPI wheels, see tests/fixtures/ and
harness/) and the ``fast`` marker of ``kepuri test --fast``."""

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.tansu",
    "tests.fixtures.postgres",
]


@pytest.fixture(scope="session", autouse=True)
def short_relay_takeover() -> Iterator[None]:
    """A relay on PostgreSQL waits ``KEPURI_RELAY_TAKEOVER_S`` (45 s) after taking its lock, so a
    previous holder's stalled batch lands first (shared/store/relay.py); tests run with one relay
    per outbox (or say otherwise) and would only wait, so every service and process they start
    waits 0.2 s. Tests of the takeover itself give the relay their own values."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEPURI_RELAY_TAKEOVER_S", "0.2")
        yield


TESTS = Path(__file__).parent
# the fixtures of a PostgreSQL server or a Kafka broker (tests/fixtures/, and a module's own server)
SERVERS = ("postgres", "kafka", "tansu")


def is_fast(item: pytest.Item) -> bool:
    """Whether a test belongs to the fast subset (``kepuri test --fast``): it lives in tests/unit/,
    tests/contract/ or a service's tests/<service>/unit/, and needs no PostgreSQL server or Kafka
    broker (no fixture named for one). So the contract suites run there on SQLite and the embedded
    log; their PostgreSQL and Kafka halves, like everything else, in the full ``kepuri test``."""
    parts = item.path.relative_to(TESTS).parts
    where = parts[0] in ("unit", "contract") or (len(parts) > 2 and parts[1] == "unit")
    fixtures = getattr(item, "fixturenames", ())
    return where and not any(server in name for name in fixtures for server in SERVERS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the fast subset ``fast`` (:func:`is_fast`), so that no test file has to say it."""
    for item in items:
        if is_fast(item):
            item.add_marker(pytest.mark.fast)
