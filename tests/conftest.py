"""Test-wide fixtures: real brokers and databases started from PyPI wheels (see tests/fixtures/)."""

from collections.abc import Iterator

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
