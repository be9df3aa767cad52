"""The site's tests need its pinned packages (web/node_modules): installed here, only when the lock changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.site import PROJECT_ROOT, install_dependencies


@pytest.fixture(scope="session")
def web_root() -> Path:
    """The project root, with web/node_modules installed from web/package-lock.json."""
    install_dependencies(PROJECT_ROOT)
    return PROJECT_ROOT
