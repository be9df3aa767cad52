"""What a consumer does when its view fails to apply an event: the apply-error policy.

The runtime asks the policy once per failing event, after isolating it (each event of the batch in a
savepoint of its own), with the error and the event's :class:`~.projection.Delivery`. The answer:

- ``False``: dead-letter the event, with the error in its headers, and go on with the rest of the
  batch. The default (:func:`dead_letter`): one event a view cannot apply must not stop the view.
- ``True``: retry. The batch's transaction is rolled back and the whole batch is tried again after a
  backoff (the one the runtime uses for transient errors, up to 5 s), so the consumer does not move
  past the event until it applies or the policy answers ``False``. For a view that would rather wait
  (something it needs is not there yet) than lose an event.

Two failures never reach the policy. Losing the database (:class:`~shared.store.StoreUnavailable`,
an invalidated connection) is never an event's fault: the batch is retried without asking. A record
that is not an event of the catalog (poison) is dead-lettered without asking: there is no delivery to
judge, and no retry can mend it. A policy that raises stops the consumer: say ``True`` or ``False``.
"""

from __future__ import annotations

from typing import Protocol

from .projection import Delivery


class ApplyErrorPolicy(Protocol):
    """Decides, for one event a view failed to apply: ``True`` to retry the batch, ``False`` to dead-letter it."""

    def __call__(self, exc: Exception, delivery: Delivery) -> bool: ...


def dead_letter(exc: Exception, delivery: Delivery) -> bool:
    """The default policy: every failing event is dead-lettered and the consumer goes on."""
    return False


class RetryBatch(Exception):
    """Raised inside the batch's transaction when the policy answers ``True``: rolls it back, to be retried.

    Carries the event and the error that made the policy ask for a retry (also its ``__cause__``)."""

    def __init__(self, delivery: Delivery, exc: Exception) -> None:
        super().__init__(f"event {delivery.envelope.id} failed, retrying its batch: {type(exc).__name__}: {exc}")
        self.delivery = delivery
