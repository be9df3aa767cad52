"""The replay's progress on stderr: records done of the total, percent, events/s and ETA (tqdm)."""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class Progress:
    """A progress bar over the records to replay, or nothing at all when ``quiet``.

    The total is fixed when the replay starts (the end offsets then, minus the start); records that
    arrive while it runs and are caught up before the swap extend it, so the bar ends at 100 %.
    """

    def __init__(self, total: int, *, quiet: bool = False, file: TextIO | None = None) -> None:
        self.done = 0
        self.total = total
        self._quiet = quiet
        self._file = file or sys.stderr
        self._bar: tqdm[None] | None = None
        if not quiet:
            self._bar = tqdm(
                total=total,
                desc="replay analytics",
                unit=" events",
                unit_scale=True,
                file=self._file,
                mininterval=0.5,
                smoothing=0.1,
                dynamic_ncols=True,
            )

    def advance(self, count: int) -> None:
        if count <= 0:
            return
        self.done += count
        if self._bar is not None:
            self._bar.update(count)

    def extend(self, count: int) -> None:
        """Add ``count`` records to the total (caught up after the end offsets taken at the start)."""
        if count <= 0:
            return
        self.total += count
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def say(self, line: str) -> None:
        """A line of its own under the bar (not in quiet mode)."""
        if self._bar is not None:
            self._bar.write(line, file=self._file)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
