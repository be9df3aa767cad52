"""What analytics' routes depend on, built once per process by :mod:`.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import Backbone


@dataclass
class Analytics:
    backbone: Backbone
