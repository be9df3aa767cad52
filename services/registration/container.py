"""What registration's routes depend on, built once per process by :mod:`.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth import KeySetVerifier
from shared.runtime import Backbone

from .access import Access
from .accounts import Accounts
from .activities import Activities
from .campaigns import Campaigns
from .dashboard import Dashboard
from .directory import Directory
from .drafts import Drafts


@dataclass
class Registration:
    backbone: Backbone
    activities: Activities
    accounts: Accounts
    access: Access
    campaigns: Campaigns
    verifier: KeySetVerifier
    drafts: Drafts
    dashboard: Dashboard
    directory: Directory
