"""What analytics' routes depend on, built once per process by :mod:`.bootstrap`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import Connection

from shared.regions import PackagedRegions
from shared.runtime import Backbone
from shared.store import reading
from shared.web.answer_cache import Answers
from shared.web.auth import Verifier
from shared.web.conditional import Rendered

from .operations_dashboard.hub import DashboardHub
from .operations_dashboard.limits import StreamSlots
from .service.ports import ExportRows

T = TypeVar("T")


@dataclass
class Analytics:
    backbone: Backbone
    verifier: Verifier
    regions: PackagedRegions
    dashboard: DashboardHub  # one snapshot per campaign per second, however many pages watch
    slots: StreamSlots  # the dashboard streams open, in all and per client address
    export_rows: ExportRows  # the export tables' rows, a partition at a time
    answers: Answers = field(default_factory=Answers)

    async def answer(self, key: Any, query: Callable[[Connection], T]) -> T:
        """The answer of a read-only ``query`` over the views, shared for a second by every caller
        asking the same ``key``; run on the driver's thread, so a long aggregate never stalls the
        event loop."""

        async def compute() -> T:
            return await reading(self.backbone.engine, lambda connection: connection.run_sync(query))

        return await self.answers.get(key, compute)

    async def answer_json(self, key: Any, query: Callable[[Connection], Any], shape: TypeAdapter[Any]) -> Rendered:
        """As :meth:`answer`, for a route: ``query``'s answer is rendered to JSON as ``shape`` once and the
        bytes and their tag are shared too (not serialised again for every caller; a revalidation is a
        comparison of tags: :func:`shared.web.conditional.conditional`)."""

        async def compute() -> Rendered:
            value = await reading(self.backbone.engine, lambda connection: connection.run_sync(query))
            return Rendered.of(shape.dump_json(shape.validate_python(value)))

        return await self.answers.get(("json", key), compute)
