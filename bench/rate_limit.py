"""The SMS rate limit in real time: the rate ``RateLimiter`` lets through, against the configured one.

The tests check the limiter's schedule on a virtual clock (no waiting, no timing assertions); this
measures what it does on the event loop of this machine. Each case sends ``--sends`` acquisitions
from 64 concurrent tasks (as the dispatcher does) and, for batches, 10 messages per acquisition,
through a limiter of ``rate`` per second and ``burst``; the achieved rate is the messages let through
over the time from the first to the last. The baseline is the configured rate itself: the ratio
should be close to 1, a little below (the loop wakes sleepers late, never early).

    python -m bench.rate_limit [--quick] [--sends 200]
"""

from __future__ import annotations

import asyncio
import time

from services.notification.channels.sms import RateLimiter

from .common import Result, cli, report

CASES = (
    ("1 message each, rate 200/s, burst 1", 200.0, 1, 1),
    ("batches of 10, rate 1,000/s, burst 10", 1000.0, 10, 10),
)


async def achieved(rate: float, burst: int, per_acquire: int, acquisitions: int) -> float:
    limiter = RateLimiter(rate, burst)
    done: list[float] = []
    queue = iter(range(acquisitions))

    async def sender() -> None:
        for _ in queue:
            await limiter.acquire(per_acquire)
            done.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(64)))
    # the first `burst` go at once; after them, messages flow at the rate
    messages = (len(done) * per_acquire) - burst
    return messages / (max(done) - started)


def main() -> None:
    args = cli(
        __doc__ or "",
        reps=5,
        quick_reps=2,
        extra=[("--sends", {"type": int, "default": 0, "help": "acquisitions per case (default 200; quick 60)"})],
    )
    sends = args.sends or (60 if args.quick else 200)
    results = []
    for name, rate, burst, per in CASES:
        samples = [asyncio.run(achieved(rate, burst, per, sends)) for _ in range(args.reps)]
        results.append(Result("rate_limit", name, "messages/s", samples, "configured rate", [rate] * args.reps))
    notes = [f"{sends} acquisitions per case from 64 concurrent tasks; asyncio's default loop."]
    report("SMS rate limit", results, args, notes)


if __name__ == "__main__":
    main()
