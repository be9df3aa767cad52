"""Who may export what: the summaries are public like the statistics (staff only for a campaign whose
``public_statistics`` setting is false: :mod:`..domain.access`); the activity tables carry
(masked) contacts, so they need a reviewer's or an admin's token, and a reviewer below national level
exports only inside its jurisdiction (its own region when the request names none).

Tokens are verified with the container's ``verifier``: registration's published key set
(``KEPURI_ANALYTICS_JWKS_URL``) unless ``create_app`` was given another.
"""

from __future__ import annotations

from ..domain.access import Caller, CampaignAccess, require_staff, within_jurisdiction
from .model import ExportTable


def allowed_region(
    table: ExportTable, caller: Caller | None, region: str | None, campaign: CampaignAccess
) -> str | None:
    """The region the caller may export for ``region`` (refused without a token, or outside its reach)."""
    if not table.contacts:
        if not campaign.public:
            what = f"The summary {table.name} of a campaign whose statistics are not public (public_statistics)"
            require_staff(caller, what)
        return region
    staff = require_staff(caller, f"The table {table.name} carries contacts")
    return within_jurisdiction(staff, region)
