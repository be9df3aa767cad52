"""The layers of shared/ import downward only: no module reaches up into a layer built on it.

From the bottom: ``bus`` → ``events`` → ``store`` → ``consumer`` / ``web`` → ``runtime`` (which wires
them into a service's app). ``shared.web.auth`` used to fetch the service's container from
``shared.runtime``; the app now hands it the verifier (``provide_verifier``). Read from the source
with :mod:`ast`, so nothing is imported and the test takes milliseconds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"

# layer -> the layers above it, which it must not import
ABOVE = {
    "bus": {"events", "store", "consumer", "web", "runtime"},
    "events": {"store", "consumer", "web", "runtime"},
    "store": {"consumer", "web", "runtime"},
    "consumer": {"web", "runtime"},
    "web": {"consumer", "runtime"},
}


def imported(path: Path) -> list[tuple[int, str]]:
    """Every ``shared.*`` (or ``services.*``) module ``path`` imports, with the line, relative imports resolved."""
    package = list(path.relative_to(SHARED.parent).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found += [(node.lineno, module), *((node.lineno, f"{module}.{a.name}") for a in node.names)]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in ("shared", "services")]


def upward_imports() -> list[str]:
    arrows = []
    for path in sorted(SHARED.rglob("*.py")):
        parts = path.relative_to(SHARED).parts
        layer = parts[0] if len(parts) > 1 else ""
        for line, name in imported(path):
            top, _, rest = name.partition(".")
            if top == "services" or rest.split(".")[0] in ABOVE.get(layer, ()):
                arrows.append(f"{path.relative_to(SHARED.parent)}:{line} imports {name}")
    return arrows


def test_no_module_of_shared_imports_a_layer_above_its_own() -> None:
    assert upward_imports() == []


def test_an_upward_import_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a store module reaching up into the runtime is reported, a downward import is not."""
    fake = tmp_path / "shared"
    (fake / "store").mkdir(parents=True)
    (fake / "store" / "bad.py").write_text("from ..events import CATALOG\nfrom ..runtime.app import container_of\n")
    monkeypatch.setattr(sys.modules[__name__], "SHARED", fake)

    assert upward_imports() == [
        "shared/store/bad.py:2 imports shared.runtime.app",
        "shared/store/bad.py:2 imports shared.runtime.app.container_of",
    ]
