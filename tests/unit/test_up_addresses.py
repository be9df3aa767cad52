"""What ``kepuri up`` prints once the platform runs: each process's address, and the link to its API docs
only where the services serve them (``KEPURI_API_DOCS``; unset, every environment but production)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.up import addresses, docs_served

PORTS = [("registration", 9101), ("review", 9102)]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("KEPURI_API_DOCS", "KEPURI_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's


def test_the_docs_link_is_printed_while_the_docs_are_served() -> None:
    assert docs_served()
    lines = addresses(PORTS, "127.0.0.1", docs=True)
    assert lines[0].split() == ["registration", "http://127.0.0.1:9101", "(API", "docs:", "http://127.0.0.1:9101/docs)"]


@pytest.mark.parametrize(
    ("variables", "served"),
    [
        ({"KEPURI_API_DOCS": "false"}, False),
        ({"KEPURI_ENVIRONMENT": "production"}, False),
        ({"KEPURI_ENVIRONMENT": "production", "KEPURI_API_DOCS": "true"}, True),
        ({"KEPURI_ENVIRONMENT": "test"}, True),
    ],
)
def test_docs_served_follows_the_services_setting(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], served: bool
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert docs_served() is served


def test_an_env_file_turns_the_docs_off_for_up_as_for_the_services(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KEPURI_API_DOCS=false\n")
    assert docs_served() is False


def test_without_docs_no_link_is_printed() -> None:
    lines = addresses(PORTS, "127.0.0.1", docs=False)
    assert [line.split() for line in lines] == [
        ["registration", "http://127.0.0.1:9101"],
        ["review", "http://127.0.0.1:9102"],
    ]
    assert not any("docs" in line for line in lines)


def test_the_sms_stand_in_never_gets_a_docs_link() -> None:
    [line] = addresses([("sms-standin", 9113)], "127.0.0.1", docs=True)
    assert line.split() == ["sms-standin", "http://127.0.0.1:9113"]
