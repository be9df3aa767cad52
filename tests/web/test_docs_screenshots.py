"""The README's walkthrough pictures: each one it links is in docs/site/, each one there is linked
and comes from a journey step (tests/web/journeys/docs_screenshots.py copies them)."""

from __future__ import annotations

import re

from cli.site import PROJECT_ROOT
from tests.web.journeys.docs_screenshots import DOCS_SITE, PICTURES

README = PROJECT_ROOT / "README.md"


def linked() -> set[str]:
    return set(re.findall(r"\]\(docs/site/([\w-]+)\.png\)", README.read_text(encoding="utf-8")))


def test_every_picture_the_readme_links_is_there() -> None:
    missing = sorted(name for name in linked() if not (DOCS_SITE / f"{name}.png").is_file())
    assert not missing, f"README links pictures docs/site/ lacks: {missing}"


def test_every_picture_there_is_linked_and_made_by_a_journey() -> None:
    there = {path.stem for path in DOCS_SITE.glob("*.png")}
    assert there == linked(), f"not linked: {sorted(there - linked())}"
    assert there == set(PICTURES), f"not made from a journey step: {sorted(there - set(PICTURES))}"


def test_each_picture_is_a_png_of_reasonable_size() -> None:
    for path in DOCS_SITE.glob("*.png"):
        head = path.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n", path
        assert path.stat().st_size < 400_000, f"{path.name}: keep the repository light"
