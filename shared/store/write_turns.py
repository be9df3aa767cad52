"""Turns at a SQLite file's write lock for the processes that write it, so that none is starved.

SQLite arbitrates its one write lock by polling: a writer that finds the file locked sleeps 1, 2,
5 … 100 ms and tries again. A process whose writers come one after another (a background role with
a relay and several consumers behind a backlog, each taking the process's write lock in turn) lets
go of the file for microseconds between transactions, so a writer of another process, waking every
100 ms, almost never finds it free: it waits its whole busy timeout and fails.

Two ``flock`` files beside the database make the turns:

- ``<file>-write.lock``, held exclusively for each transaction. A waiter blocks in the kernel and
  is woken the moment the holder lets go.
- ``<file>-queue.lock``, the waiting room: a waiter holds it *shared* while it waits. A writer that
  would take the file without waiting (:meth:`WriteTurns.try_take`) first checks that the room is
  empty (an exclusive lock on it can be had). If someone waits, it passes them for at most
  :data:`PASS_S` after it first saw them waiting; then it waits too.

Passing for a moment is what keeps the throughput: handing the file to another process costs a
wake-up and a thread on each side, so a process that has the file keeps it for a few milliseconds of
(short) transactions before it gives way. A waiter waits about :data:`PASS_S` and a transaction at most.

Each process has one waiter at a time per file (its writers are already one at a time), so the
kernel chooses between processes, not between a process's queued writers. The locks are advisory:
SQLite's own lock still decides, and a writer that does not take turns is waited for as before.
``flock`` locks belong to an open file, so two engines on one file in one process take turns too,
and a process that dies lets go of everything it held.
"""

from __future__ import annotations

import fcntl
import os
import time

PASS_S = 0.02  # how long a process may go on taking turns past a waiter


class WriteTurns:
    """The two file locks beside one SQLite database, opened lazily, one pair per engine."""

    def __init__(self, database: str) -> None:
        self._paths = (f"{database}-write.lock", f"{database}-queue.lock")
        self._fds: tuple[int, int] | None = None
        self._passing_since: float | None = None  # when this engine first passed the writer now waiting

    def _open(self) -> tuple[int, int]:
        if self._fds is None:
            write, queue = (os.open(path, os.O_RDWR | os.O_CREAT, 0o600) for path in self._paths)
            self._fds = (write, queue)
        return self._fds

    def try_take(self) -> bool:
        """Take the turn now, without waiting: False when another holds it, or when someone has waited
        for it while this engine passed them for :data:`PASS_S`."""
        write, queue = self._open()
        now = time.monotonic()
        try:
            fcntl.flock(queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # someone waits: pass them only for a moment
            if self._passing_since is None:
                self._passing_since = now
            elif now - self._passing_since > PASS_S:
                return False  # and again until the room has been seen empty
        else:
            fcntl.flock(queue, fcntl.LOCK_UN)
            self._passing_since = None
        try:
            fcntl.flock(write, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def take(self) -> None:
        """Wait for the turn (blocking: call it off the event loop), in the waiting room meanwhile."""
        write, queue = self._open()
        fcntl.flock(queue, fcntl.LOCK_SH)
        try:
            fcntl.flock(write, fcntl.LOCK_EX)
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)

    def release(self) -> None:
        """Let the next writer have the file."""
        if self._fds is not None:
            fcntl.flock(self._fds[0], fcntl.LOCK_UN)

    def close(self) -> None:
        fds, self._fds = self._fds, None
        for fd in fds or ():
            os.close(fd)
