"""Check-ins (打卡) and feedback from the anonymous public: the rules and the write path.

- Only a public activity takes either (404 otherwise, whether it is unknown, pending, rejected or
  withdrawn: the public is not told which).
- Check-in is open from 00:00 China time on the day the activity starts until 24:00 China time on
  the day it ends: visitors check in as they arrive, queue before the doors open, or only find the
  time on their way home; a check-in weeks before or after is not attendance.
- Feedback opens when the activity starts and stays open: most people rate it afterwards.
- Each client address has a token bucket (throttle.py); over it, 429 with ``Retry-After``.

An accepted request becomes one event written straight to the outbox through the group-commit
writer (no aggregate, no database read: the admission cache answers), keyed by the activity so its
events stay in order. The client is only present as a keyed hash (pseudonyms.py); phone numbers
typed into a comment are masked before it is published.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.events import CATALOG, to_message
from shared.events.masking import mask_phone_numbers
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.topics import PARTICIPATION
from shared.observability.logging import correlation_id
from shared.store import Changes, GroupCommitter

from ..domain.campaign import CHINA, china_day
from ..domain.errors import RuleBroken
from .admissions import Admission, AdmissionCache
from .criteria import china_midnight
from .pseudonyms import participant_ref
from .throttle import TokenBucket

SOURCE = "/kepuri/registration"


class NotListed(Exception):
    """The directory lists no such public activity."""


class Throttled(Exception):
    """The client sent too many requests; ``retry_after`` seconds until the next is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def check_in_window(admission: Admission) -> tuple[datetime, datetime]:
    """[opens, closes): the China calendar days from the activity's start to its end, whole."""
    return (
        china_midnight(china_day(admission.starts_at)),
        china_midnight(china_day(admission.ends_at) + timedelta(days=1)),
    )


def require_check_in_open(admission: Admission, now: datetime) -> None:
    opens, closes = check_in_window(admission)
    if now < opens:
        raise RuleBroken(
            "starts_at",
            f"打卡从活动开始当天 {_china(opens)} 起开放 (check-in opens on the day the activity starts, {opens.isoformat()})",
        )
    if now >= closes:
        raise RuleBroken(
            "ends_at", f"活动已结束，打卡已于 {_china(closes)} 关闭 (check-in closed at {closes.isoformat()})"
        )


def require_started(admission: Admission, now: datetime) -> None:
    if now < admission.starts_at:
        starts = admission.starts_at.astimezone(UTC).isoformat()
        raise RuleBroken(
            "starts_at",
            f"活动 {_china(admission.starts_at)} 开始后才能评价 (feedback opens when the activity starts, {starts})",
        )


def without_phone_numbers(comment: str) -> str:
    """The comment with mainland mobile and landline numbers masked (138****5678), however they are
    written: separators, full-width digits, +86 / 0086 (:func:`shared.events.masking.mask_phone_numbers`)."""
    return mask_phone_numbers(comment)


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


class Participation:
    """Records the public's check-ins and ratings."""

    def __init__(
        self,
        writer: GroupCommitter,
        admissions: AdmissionCache,
        limiter: TokenBucket,
        key: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._writer = writer
        self._admissions = admissions
        self._limiter = limiter
        self._key = key
        self._clock = clock

    async def check_in(self, activity_id: str, client: str) -> str:
        """Record that ``client`` attended; the event id once it is durable in the outbox."""
        admission = await self._admit(activity_id, client)
        require_check_in_open(admission, self._clock())
        ref = participant_ref(self._key, client, activity_id)
        return await self._record(ParticipationRecorded(activity_id=activity_id, participant_ref=ref), admission)

    async def give_feedback(self, activity_id: str, client: str, rating: int, comment: str | None) -> str:
        """Record a rating (1–5) with an optional comment; the event id once it is durable."""
        admission = await self._admit(activity_id, client)
        require_started(admission, self._clock())
        comment = without_phone_numbers(comment) if comment else None
        payload = FeedbackSubmitted(activity_id=activity_id, rating=rating, comment=comment)
        return await self._record(payload, admission)

    async def _admit(self, activity_id: str, client: str) -> Admission:
        wait = self._limiter.take(client)
        if wait is not None:
            raise Throttled(wait)
        admission = await self._admissions.get(activity_id)
        if admission is None or not admission.public:
            raise NotListed(activity_id)
        return admission

    async def _record(self, payload: ParticipationRecorded | FeedbackSubmitted, admission: Admission) -> str:
        # Participation events are facts, not versions of an aggregate: each is sequence 1 of itself.
        envelope = CATALOG.envelope(
            payload,
            subject=payload.activity_id,
            sequence=1,
            source=SOURCE,
            correlationid=correlation_id.get(),
            campaign=admission.campaign_id,
        )
        await self._writer.submit(Changes(messages=[to_message(envelope, PARTICIPATION.name)]))
        return envelope.id
