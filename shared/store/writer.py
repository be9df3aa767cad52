"""Group commit: the changes of many concurrent commands committed in one transaction.

One commit per request caps a write path near a few thousand requests per second (DESIGN §8).
The writer queues each command's :class:`Changes`; a single task takes everything queued, checks
the expected versions, writes it all in one transaction and only then resolves each caller, so a
response is sent only after its events and outbox rows are durable. If the batch fails on an
integrity rule, its items are retried one transaction each, so only the offending command fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from .attached import take_into
from .engine import sync_transaction, transaction
from .errors import ConcurrencyError, IntegrityViolation, StoreError
from .recorder import Changes, Recorder


@dataclass
class _Pending:
    changes: Changes
    done: asyncio.Future[None]


class GroupCommitter:
    """Commits :class:`Changes` in batches; ``submit`` returns when its changes are committed."""

    def __init__(
        self,
        engine: AsyncEngine,
        recorder: Recorder,
        *,
        max_batch: int = 1000,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._recorder = recorder
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self) -> None:
        """Commit what is already queued, then stop; later submissions are refused."""
        task, self._task = self._task, None
        if task is None:
            return
        await self._queue.put(None)
        await task

    async def submit(self, changes: Changes) -> None:
        """Queue ``changes`` and wait until they are committed (or raise why they were not)."""
        if self._task is None:
            raise StoreError("the writer is not running")
        pending = _Pending(take_into(changes), asyncio.get_running_loop().create_future())
        await self._queue.put(pending)
        await pending.done

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Pending] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if len(batch) >= self._max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._commit_or_isolate(batch)

    async def _commit_or_isolate(self, batch: list[_Pending]) -> None:
        try:
            await self._commit_batch(batch)
        except IntegrityViolation:
            for pending in batch:
                if not pending.done.done():
                    await self._guarded_commit([pending])
        except Exception as exc:  # the database failed as a whole: every caller hears why
            for pending in batch:
                _settle(pending, exc)

    async def _guarded_commit(self, batch: list[_Pending]) -> None:
        try:
            await self._commit_batch(batch)
        except Exception as exc:
            for pending in batch:
                _settle(pending, exc)

    async def _commit_batch(self, batch: Sequence[_Pending]) -> None:
        """Commit the valid items of ``batch`` together; items failing their version check fail alone.

        Those failures are only told to their callers once the batch has committed: if it does not, an
        item's version may have been judged against another item's append that never happened, so
        every item is tried again on its own.
        """

        def commit(connection: Connection) -> tuple[list[_Pending], list[tuple[_Pending, Exception]]]:
            accepted: list[_Pending] = []
            rejected: list[tuple[_Pending, Exception]] = []
            current = self._recorder.versions(connection, (a.aggregate_id for p in batch for a in p.changes.appends))
            for pending in batch:
                snapshot = dict(current)
                try:
                    self._recorder.check_versions(pending.changes, current)
                except (StoreError, ValueError) as exc:
                    current = snapshot
                    rejected.append((pending, exc))
                else:
                    accepted.append(pending)
            self._recorder.write(connection, [p.changes for p in accepted])
            return accepted, rejected

        try:
            accepted, rejected = await sync_transaction(self._engine, commit)
        except IntegrityViolation as exc:
            if len(batch) > 1:
                raise
            _settle(batch[0], await self._conflict_or(batch[0].changes, exc))
            return
        for pending, error in rejected:
            _settle(pending, error)
        for pending in accepted:
            _settle(pending, None)
        if accepted and self._on_commit is not None:
            self._on_commit(len(accepted))

    async def _conflict_or(self, changes: Changes, error: IntegrityViolation) -> StoreError:
        """The :class:`ConcurrencyError` behind ``error`` if another writer has appended meanwhile, else ``error``.

        On PostgreSQL two replicas can both read version n and both insert version n + 1; the loser
        hits the events' primary key. That is a conflict (409), not a broken integrity rule.
        """
        if isinstance(error, ConcurrencyError) or not changes.appends:
            return error
        try:
            async with transaction(self._engine) as connection:
                current = await connection.run_sync(self._recorder.versions, [a.aggregate_id for a in changes.appends])
            self._recorder.check_versions(changes, current)
        except ConcurrencyError as conflict:
            conflict.__cause__ = error
            return conflict
        except (StoreError, ValueError):
            pass
        return error


def _settle(pending: _Pending, error: BaseException | None) -> None:
    if pending.done.done():
        return
    if error is None:
        pending.done.set_result(None)
    else:
        pending.done.set_exception(error)
