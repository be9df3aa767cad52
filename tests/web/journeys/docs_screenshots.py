"""Copy the README walkthrough's screenshots from the journeys' last run into docs/site/.

The walkthrough's pictures are the journeys' own steps (build/journeys/<test>/<nn>-<step>.png), so
what the README shows is what the journeys saw on the real platform. After the journeys ran:

    .venv/bin/python -m pytest tests/web/journeys -q
    .venv/bin/python -m tests.web.journeys.docs_screenshots

``tests/web/test_docs_screenshots.py`` fails when the README links a picture docs/site/ lacks, or
docs/site/ holds one nobody links.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .site_support import ARTEFACTS, PROJECT_ROOT

DOCS_SITE = PROJECT_ROOT / "docs" / "site"

# docs/site/<name>.png  <-  build/journeys/<test folder>/<nn>-<step>.png
PICTURES: dict[str, tuple[str, str]] = {
    "01-home-phone": ("test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone", "home"),
    "02-search-phone": ("test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone", "search-found"),
    "03-map-near-me-phone": ("test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone", "map-near-me"),
    "04-activity-rated-phone": ("test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone", "rating-shown"),
    "05-sign-up": ("test_journey_1_an_organizer_registers_activities", "signed-up"),
    "06-register-refused": ("test_journey_1_an_organizer_registers_activities", "register-refused"),
    "07-import-report": ("test_journey_1_an_organizer_registers_activities", "import-report"),
    "08-review-queue": ("test_journey_2_reviewers_approve_recommend_and_endorse", "county-queue"),
    "09-recommend-form": ("test_journey_2_reviewers_approve_recommend_and_endorse", "county-recommend-form"),
    "10-city-received": ("test_journey_2_reviewers_approve_recommend_and_endorse-2", "city-received"),
    "11-info-completion-phone": ("test_journey_4_the_organizer_completes_info_and_reads_the_inbox", "info-filled"),
    "12-thank-you-delivery-phone": (
        "test_journey_4_the_organizer_completes_info_and_reads_the_inbox",
        "thank-you-delivery",
    ),
    "13-campaigns": ("test_journey_5_an_admin_configures_a_campaign", "campaign-listed"),
    "14-outside-the-window": ("test_journey_5_an_admin_configures_a_campaign-2", "register-refused"),
    "15-dashboard-phone": (
        "test_journey_3_the_public_finds_checks_in_and_rates_on_a_phone-2-dashboard",
        "dashboard-after",
    ),
}


def source_of(folder: str, step: str) -> Path:
    """The screenshot of ``step`` in the journey folder ``folder`` (its number varies)."""
    found = sorted((ARTEFACTS / folder).glob(f"[0-9][0-9]-{step}.png"))
    if not found:
        raise FileNotFoundError(f"no screenshot of step {step!r} in {ARTEFACTS / folder}: run the journeys first")
    return found[-1]


def main() -> int:
    DOCS_SITE.mkdir(parents=True, exist_ok=True)
    try:
        sources = {name: source_of(folder, step) for name, (folder, step) in PICTURES.items()}
    except FileNotFoundError as exc:
        print(f"docs_screenshots: {exc}", file=sys.stderr)
        return 1
    for stale in DOCS_SITE.glob("*.png"):
        if stale.stem not in PICTURES:
            stale.unlink()
    for name, source in sources.items():
        shutil.copyfile(source, DOCS_SITE / f"{name}.png")
        print(f"docs/site/{name}.png  <-  {source.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
