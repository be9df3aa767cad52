"""The site builds, the public entry stays free of Element Plus and within its budget, and a
second build with nothing changed is skipped."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cli.site import BUILD_STAMP, build_site, source_files

# the budget for the public entry's JavaScript, gzipped
PUBLIC_ENTRY_BUDGET = 200 * 1024


@pytest.fixture(scope="module")
def dist(web_root: Path) -> Path:
    return build_site(web_root)


def _static_closure(manifest: dict[str, dict[str, object]], key: str) -> set[str]:
    seen: set[str] = set()
    pending = [key]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        pending.extend(str(k) for k in manifest[current].get("imports", []))  # type: ignore[union-attr]
    return seen


def test_the_public_entry_does_not_load_element_plus(dist: Path) -> None:
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    entry = next(key for key, chunk in manifest.items() if chunk.get("isEntry"))
    loaded = _static_closure(manifest, entry)
    files = [manifest[k]["file"] for k in loaded] + [css for k in loaded for css in manifest[k].get("css", [])]
    assert not [k for k in loaded if "element-plus" in k.lower() or "elementplus" in k.lower()], loaded
    assert not [f for f in files if "elementPlus" in f], files
    # the workbench is there, behind a dynamic import
    assert any("WorkbenchLayout" in key for key in manifest[entry].get("dynamicImports", []))
    size = sum(len(gzip.compress((dist / f).read_bytes())) for f in files if f.endswith(".js"))
    assert size <= PUBLIC_ENTRY_BUDGET, f"the public entry is {size / 1024:.0f} KB gzipped"


def test_html_has_no_inline_script(dist: Path) -> None:
    html = (dist / "index.html").read_text()
    assert "<script" in html
    for tag in html.split("<script")[1:]:
        assert " src=" in tag.split(">", 1)[0], "an inline script breaks the Content-Security-Policy"


def test_a_second_build_with_nothing_changed_is_skipped(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamp = (dist.parent / BUILD_STAMP).read_text()
    assert build_site(dist.parent.parent) == dist
    assert "up to date" in capsys.readouterr().out
    assert (dist.parent / BUILD_STAMP).read_text() == stamp


def test_sources_leave_out_packages_and_output(web_root: Path) -> None:
    names = {p.relative_to(web_root / "web").parts[0] for p in source_files(web_root / "web")}
    assert {"src", "package-lock.json", "index.html"} <= names
    assert not names & {"node_modules", "dist"}
