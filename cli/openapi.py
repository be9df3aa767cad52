"""``kepuri openapi``: the services' OpenAPI documents, and the site's TypeScript types made from them.

The site (web/) types every API call from these documents: each service's app is built (nothing is
opened until an app starts; registration writes its signing key into a throwaway data directory),
its document is written to ``web/src/api/openapi/<service>.json`` and ``npm run gen:api`` turns each
into ``web/src/api/generated/<service>.ts``. tests/web/test_api_types.py fails when either is stale.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .output import say

SERVICES = ("registration", "review", "notification", "analytics")
DOCUMENTS = Path("web/src/api/openapi")
GENERATED = Path("web/src/api/generated")


def add_parser(commands: object) -> None:
    """Add ``openapi`` to the ``kepuri`` subcommands."""
    openapi = commands.add_parser(  # type: ignore[attr-defined]
        "openapi", help="write each service's OpenAPI document to web/src/api/openapi and regenerate the site's types"
    )
    openapi.add_argument("--check", action="store_true", help="only report documents that are out of date")


def documents(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Each service's OpenAPI document, from its app built on settings whose data lives in ``data_dir``."""
    from services.analytics.bootstrap import build as analytics_build
    from services.analytics.bootstrap import create_app as analytics
    from services.analytics.settings import AnalyticsSettings
    from services.notification.bootstrap import build as build_notification
    from services.notification.bootstrap import create_app as notification
    from services.notification.settings import NotificationSettings
    from services.registration.bootstrap import build as build_registration
    from services.registration.bootstrap import create_app as registration
    from services.registration.settings import RegistrationSettings
    from services.review.bootstrap import build as review_build
    from services.review.bootstrap import create_app as review
    from services.review.settings import ReviewSettings

    apps = {
        "registration": registration(build_registration(RegistrationSettings(data_dir=data_dir, environment="test"))),
        "review": review(review_build(ReviewSettings(data_dir=data_dir, environment="test"))),
        "notification": notification(build_notification(NotificationSettings(data_dir=data_dir, environment="test"))),
        "analytics": analytics(analytics_build(AnalyticsSettings(data_dir=data_dir, environment="test"))),
    }
    return {name: apps[name].openapi() for name in SERVICES}


def document_text(document: dict[str, Any]) -> str:
    """How a document is committed: indented, Chinese kept as written, one newline at the end."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def current_texts() -> dict[str, str]:
    """Each service's document as :func:`document_text` writes it, from apps built in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="kepuri-openapi-") as data_dir:
        return {name: document_text(doc) for name, doc in documents(Path(data_dir)).items()}


def generate_types(root: Path, out_dir: Path | None = None) -> None:
    """Run ``npm run gen:api``: web/src/api/openapi/*.json -> generated/*.ts (or into ``out_dir``)."""
    from .site import install_dependencies

    install_dependencies(root)
    command = ["npm", "run", "--silent", "gen:api"]
    if out_dir is not None:
        command += ["--", "--out", str(out_dir)]
    subprocess.run(command, cwd=root / "web", check=True)


def run_openapi(root: Path, check: bool) -> int:
    """Write (or with ``check`` only compare) the documents, then regenerate the TypeScript types."""
    stale = []
    for name, text in current_texts().items():
        path = root / DOCUMENTS / f"{name}.json"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(str(path.relative_to(root)))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check:
        for line in stale:
            say(f"out of date: {line}")
        return 1 if stale else 0
    generate_types(root)
    say(f"kepuri openapi: wrote {len(stale)} document(s); types regenerated in {GENERATED}")
    return 0
