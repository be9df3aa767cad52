"""argon2id on a pool beside the event loop, as wide as the machine's cores unless a setting says.

The pool is threads by default: argon2-cffi releases the GIL for the whole hash, so N threads keep N
cores busy while the event loop answers requests, with nothing to copy between processes, no process
to start and no memory beyond the hashes' own; with ``--workers N`` every API process has its own
pool. A process pool is the other choice (``KEPURI_REGISTRATION_PASSWORD_HASH_POOL=process``), its
workers spawned (no thread of this process is forked, and nothing outlives the pool); but each
spawned worker imports the program's main module again (for ``python -m services.registration``, the
whole app: seconds and 50-80 MB each), and N API processes would own N x cores of them.
``bench/logins.py --pools thread,process`` measures both. The pool is opened when the app starts (or
at the first hash of a process that never starts an app, such as an operator command) and closed
when it stops, waiting for the hashes under way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from ..service.ports import PasswordHashing

Pool = Literal["thread", "process"]
T = TypeVar("T")


@dataclass(frozen=True)
class Argon2Parameters:
    """argon2id's costs; the defaults are OWASP's minimum (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1."""

    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism, type=Type.ID
        )


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _lower_priority(niceness: int) -> None:
    """Run the calling pool thread or worker process ``niceness`` below its parent (Linux: per thread)."""
    if niceness and hasattr(os, "setpriority"):
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + niceness))


class Argon2Hashing(PasswordHashing):
    """:class:`PasswordHashing` with argon2-cffi on a pool of ``workers`` (0: one per core), each running
    ``niceness`` below the event loop, so that when the cores are short the loop (registrations) comes
    first and a burst of logins takes what is left rather than half of every core."""

    def __init__(
        self, parameters: Argon2Parameters, *, workers: int = 0, pool: Pool = "thread", niceness: int = 0
    ) -> None:
        self._hasher = parameters.hasher()
        self.workers = workers or os.cpu_count() or 1
        self.pool = pool
        self.niceness = niceness
        self._executor: Executor | None = None

    async def start(self) -> None:
        self._open()

    async def stop(self) -> None:
        """Close the pool once the hashes under way are done (those not started are cancelled)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(_verify, self._hasher, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def _open(self) -> Executor:
        if self._executor is None:
            if self.pool == "process":
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=context, initializer=_lower_priority, initargs=(self.niceness,)
                )
                for _ in range(self.workers):  # each submit finding no idle worker starts one: all start now,
                    self._executor.submit(int)  # not at the first logins
            else:
                self._executor = ThreadPoolExecutor(
                    self.workers, "argon2", initializer=_lower_priority, initargs=(self.niceness,)
                )
        return self._executor

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._open(), work, *args)
