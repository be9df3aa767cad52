"""Registration's service layer: load an aggregate, decide, commit its events with the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from shared.events import CATALOG, EventPayload
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, ConcurrencyError, reading
from shared.web.idempotency import IdempotentRequest

from .domain.activity import Activity, RegisterActivity, WithdrawActivity, register, withdraw
from .domain.rules import Regions

SOURCE = "/kepuri/registration"


class Activities:
    """Commands and queries on activities, on top of the service's backbone."""

    def __init__(self, backbone: Backbone, regions: Regions) -> None:
        self._backbone = backbone
        self._regions = regions

    async def register(
        self,
        command: RegisterActivity,
        idempotency: tuple[IdempotentRequest, Callable[[Activity], bytes]] | None = None,
    ) -> Activity:
        """Register a new activity; its event and outbox row are durable when this returns."""
        activity_id = uuid.uuid4().hex
        payload = register(activity_id, command, self._regions)
        envelope = CATALOG.envelope(
            payload,
            subject=activity_id,
            sequence=1,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=command.campaign_id,
        )
        activity = Activity.replay(activity_id, [payload])
        assert activity is not None
        changes = Changes(appends=[AggregateAppend(activity_id, 0, [envelope])])
        if idempotency is not None:
            request, render = idempotency
            changes.statements.append(self._backbone.idempotency.record(request, 201, render(activity)))
        await self._backbone.writer.submit(changes)
        return activity

    async def withdraw(self, command: WithdrawActivity) -> Activity | None:
        """Withdraw an activity at the version the caller saw; None if there is no such activity.

        A caller holding an older version gets :class:`~shared.store.ConcurrencyError` (409).
        """
        activity = await self.get(command.activity_id)
        if activity is None:
            return None
        if activity.version != command.expected_version:
            raise ConcurrencyError(activity.id, command.expected_version, activity.version)
        payload = withdraw(activity, command, datetime.now(UTC))
        version = activity.version + 1
        envelope = CATALOG.envelope(
            payload,
            subject=activity.id,
            sequence=version,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=activity.campaign_id,
        )
        await self._backbone.writer.submit(
            Changes(appends=[AggregateAppend(activity.id, activity.version, [envelope])])
        )
        return Activity.replay(activity.id, [*await self._payloads(activity.id)])

    async def _payloads(self, activity_id: str) -> list[EventPayload]:
        recorder = self._backbone.recorder
        envelopes = await reading(self._backbone.engine, lambda c: recorder.load(c, activity_id))
        return [CATALOG.payload(e) for e in envelopes]

    async def get(self, activity_id: str) -> Activity | None:
        """The activity's current state, rebuilt from its events."""
        return Activity.replay(activity_id, await self._payloads(activity_id))
