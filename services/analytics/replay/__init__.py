"""Replay: drop and rebuild analytics' views from the beginning of the streams, beside the live ones.

``kepuri replay analytics`` (see :mod:`.run`); the mechanism and why it loses and doubles nothing are
in docs/analytics.md, "Replay".
"""

from .reader import ReplayError
from .run import ReplayOutcome, ReplayRefused, replay_analytics, view_tables

__all__ = ["ReplayError", "ReplayOutcome", "ReplayRefused", "replay_analytics", "view_tables"]
