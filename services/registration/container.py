"""What registration's routes depend on, built once per process by :mod:`.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.auth import KeySetVerifier
from shared.privacy import KeyVault
from shared.runtime import Backbone

from .adapters.password_hashing import Argon2Hashing
from .directory import Directory
from .media.library import MediaLibrary
from .service.access import Access
from .service.accounts import Accounts
from .service.activities import Activities
from .service.campaigns import Campaigns
from .service.drafts import Drafts
from .service.erasure import Erasures
from .service.key_plans import KeyPlans
from .service.organizer_dashboard import Dashboard
from .service.passwords import Passwords
from .service.science_routes import ScienceRoutes
from .service.staff import StaffAccounts
from .sheets.gate import ImportGate


@dataclass
class Registration:
    backbone: Backbone
    activities: Activities
    accounts: Accounts
    passwords: Passwords
    password_hashing: Argon2Hashing
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
