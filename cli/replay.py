"""``kepuri replay analytics``: rebuild analytics' views from the streams while its API serves the old ones.

The settings come from ``KEPURI_*`` like ``kepuri up`` (``--data-dir`` taking precedence); the analytics
service may be running or not. The progress bar goes to stderr, the summary to stdout.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError


def run_replay(view: str, data_dir: Path | None, quiet: bool, batch_size: int) -> int:
    """Replay ``view`` (only ``analytics`` has views to replay). Exit status 0; 2 refused; 1 failed."""
    from services.analytics.replay import ReplayError, ReplayRefused, replay_analytics
    from services.analytics.settings import AnalyticsSettings

    if view != "analytics":
        print(f"kepuri replay: no views to replay in {view!r} (only analytics)", file=sys.stderr)
        return 2
    try:
        settings = AnalyticsSettings(data_dir=data_dir.resolve()) if data_dir else AnalyticsSettings()
    except ValidationError as exc:
        print(f"kepuri replay: {exc}", file=sys.stderr)
        return 2
    try:
        outcome = asyncio.run(replay_analytics(settings, quiet=quiet, batch_size=batch_size))
    except ReplayRefused as exc:
        print(f"kepuri replay: {exc}", file=sys.stderr)
        return 2
    except ReplayError as exc:
        print(f"kepuri replay: failed, the live views are unchanged: {exc}", file=sys.stderr)
        return 1
    rows = ", ".join(f"{name} {count:,}" for name, count in outcome.rows.items())
    print(
        f"kepuri replay: {outcome.events:,} events replayed in {outcome.seconds:.1f} s "
        f"({outcome.rate:,.0f} events/s); views swapped in: {rows}",
        flush=True,
    )
    return 0
