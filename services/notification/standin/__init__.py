"""A local stand-in SMS provider speaking the protocol of :mod:`services.notification.channels.sms`.

Embedded mode, tests and benchmarks send to it instead of a real provider. It checks request
signatures (401 otherwise), deduplicates by ``client_ref`` (a resend returns the first message id and
delivers nothing new), records what each "handset" received, posts signed delivery receipts after a
short delay, fails on purpose for numbers matching :class:`FailureRules`, and forwards simulated
inbound replies (退订) signed to the notification service.

It remembers at most ``max_messages`` messages (``KEPURI_SMS_STANDIN_MAX_MESSAGES``, 100,000): the
oldest are forgotten, but for a count of messages per phone (``GET /v1/handsets?counts=true``).

Endpoints: ``POST /v1/messages`` (signed send), ``GET /v1/handsets[?to=|?counts=true]``, ``GET /v1/stats``,
``POST /v1/inbound/simulate {"from", "text"}``, ``GET /healthz``. Serve it with
``python -m services.notification.standin`` (``KEPURI_SMS_STANDIN_*``, port 8013 by default).
"""

from .app import create_standin
from .rules import FailureRules

__all__ = ["FailureRules", "create_standin"]
