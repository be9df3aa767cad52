"""The site's API types cannot drift from the API: the committed OpenAPI documents are the apps'
own, and the committed TypeScript is what openapi-typescript makes of them (`./kepuri openapi`
regenerates both)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cli.openapi import DOCUMENTS, GENERATED, SERVICES, current_texts

FIX = "run `./kepuri openapi` and commit web/src/api"


def test_committed_documents_are_the_services_own(web_root: Path) -> None:
    for name, text in current_texts().items():
        committed = web_root / DOCUMENTS / f"{name}.json"
        assert committed.exists(), f"{committed} is missing: {FIX}"
        assert committed.read_text(encoding="utf-8") == text, f"{committed} differs from {name}'s API: {FIX}"


def test_committed_types_are_generated_from_the_documents(web_root: Path, tmp_path: Path) -> None:
    subprocess.run(["node", "scripts/gen-api.mjs", "--out", str(tmp_path)], cwd=web_root / "web", check=True)
    for name in SERVICES:
        committed = web_root / GENERATED / f"{name}.ts"
        assert committed.exists(), f"{committed} is missing: {FIX}"
        fresh = (tmp_path / f"{name}.ts").read_text(encoding="utf-8")
        assert committed.read_text(encoding="utf-8") == fresh, f"{committed} is not what its document makes: {FIX}"
    assert sorted(p.stem for p in (web_root / DOCUMENTS).glob("*.json")) == sorted(SERVICES)
