"""Rows that ride along with the next :class:`Changes` the current task commits.

A web request can hold a row that must be written in the same transaction as whatever its command
writes, without the command knowing of it: the Idempotency-Key's claim is one. The request's task
attaches the row; :meth:`GroupCommitter.submit` takes it into the first ``Changes`` that task submits.
Task-local (a context variable), so concurrent requests never see each other's rows.
"""

from __future__ import annotations

from contextvars import ContextVar

from .recorder import Changes, Insert

_attached: ContextVar[list[Insert] | None] = ContextVar("kepuri_attached_rows", default=None)


def attach(insert: Insert) -> None:
    """Write ``insert`` with the next changes this task submits (once)."""
    rows = _attached.get()
    if rows is None:
        _attached.set([insert])
    else:
        rows.append(insert)


def detach() -> list[Insert]:
    """The rows attached and not yet written; they are forgotten here."""
    rows = _attached.get()
    if not rows:
        return []
    taken = list(rows)
    rows.clear()
    return taken


def take_into(changes: Changes) -> Changes:
    """``changes`` with the attached rows added to its inserts."""
    changes.inserts.extend(detach())
    return changes
