"""The public activity directory: a view of the streams (search, filters, near-me) and the public's
check-ins and feedback. Wired in :mod:`services.registration.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from .participation import Participation
from .queries import DirectoryQueries


@dataclass(frozen=True)
class Directory:
    """What the directory's routes use."""

    queries: DirectoryQueries
    participation: Participation
