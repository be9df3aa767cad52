"""How long an open dashboard stream may go on.

A stream is authorised once, when it opens; the page may then stay open for days. So its token is
verified again every ``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS`` (the interval in which every service
learns of a revocation anyway) through the service's own verifier, and the stream ends once the token
is refused: signed out, revoked, its account disabled, expired. A key set that cannot be had for a
moment is no refusal (the token may be fine); the stream's lifetime, at most
``KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS``, bounds that case and every other, after which the
page connects again with its token and is authorised afresh.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

Check = Callable[[], Awaitable[str | None]]
"""Why the stream's token is refused now, or None while it is accepted (or cannot be checked now)."""


class StreamTerm:
    """An open stream's term: :meth:`ended` says why it must end, asking ``check`` every ``recheck_s``."""

    def __init__(
        self, check: Check, *, recheck_s: float, lifetime_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._check = check
        self._recheck_s = recheck_s
        self._lifetime_s = lifetime_s
        self._clock = clock
        self._started = self._checked = clock()

    async def ended(self) -> str | None:
        """Why the stream must end now (its token refused, or its lifetime over); None while it may go on."""
        now = self._clock()
        if now - self._started >= self._lifetime_s:
            return (
                f"the stream was open for {self._lifetime_s:g} s, the longest one may be "
                "(KEPURI_ANALYTICS_DASHBOARD_STREAM_MAX_SECONDS): connect again"
            )
        if now - self._checked >= self._recheck_s:
            self._checked = now
            return await self._check()
        return None
