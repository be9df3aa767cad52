"""What registration's routes depend on, built once per process by :mod:`.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.auth import KeySetVerifier
from shared.privacy import KeyVault
from shared.runtime import Backbone

from .access import Access
from .accounts import Accounts
from .activities import Activities
from .campaigns import Campaigns
from .dashboard import Dashboard
from .directory import Directory
from .drafts import Drafts
from .erasure import Erasures
from .key_plans import KeyPlans
from .media.library import MediaLibrary
from .passwords import Passwords
from .science_routes import ScienceRoutes
from .sheets.gate import ImportGate
from .staff import StaffAccounts


@dataclass
class Registration:
    backbone: Backbone
    activities: Activities
    accounts: Accounts
    passwords: Passwords
    staff: StaffAccounts
    access: Access
    campaigns: Campaigns
    verifier: KeySetVerifier
    drafts: Drafts
    dashboard: Dashboard
    directory: Directory
    erasures: Erasures
    vault: KeyVault
    media: MediaLibrary
    science_routes: ScienceRoutes
    imports: ImportGate = field(default_factory=ImportGate)
    key_plans: KeyPlans | None = None
