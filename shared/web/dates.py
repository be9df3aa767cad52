"""Calendar days and instants a client sends, bounded so that nothing done with them can overflow.

Python's dates end at 0001-01-01 and 9999-12-31: the day after the last one, or a year-1 time moved
to UTC, raises ``OverflowError``, which a service would answer with a 500. Every day or instant the
services accept (request bodies, query parameters, cursors, sheet cells) is therefore a :data:`Day`
or a :data:`Moment`, or checked by :func:`require_day`, :func:`moment_of`: between ``FIRST_DAY`` and
``LAST_DAY``, far wider than any campaign (the first Science Popularization Day was held in 2004) and
far inside Python's range, so a time zone's shift or a day's arithmetic never leaves it. Outside it
the client hears a 422 naming the field.

Every instant the services *answer* is a :data:`Zoned`: SQLite keeps no offset and gives stored UTC
datetimes back naive, which a reader cannot place in time; a naive value is therefore taken as UTC
(every service stores UTC) and written with its offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
OUT_OF_RANGE = f"日期须在 {FIRST_DAY} 至 {LAST_DAY} 之间 (a date from {FIRST_DAY} to {LAST_DAY})"


def in_range(day: date) -> bool:
    """Whether ``day`` lies between ``FIRST_DAY`` and ``LAST_DAY`` (both included)."""
    return FIRST_DAY <= day <= LAST_DAY


def require_day(day: date) -> date:
    """``day`` itself when it is in range; ``ValueError`` (a 422 once pydantic names the field) if not."""
    if not in_range(day):
        raise ValueError(OUT_OF_RANGE)
    return day


def require_moment(moment: datetime) -> datetime:
    """``moment`` itself when its calendar day (in its own zone) is in range; ``ValueError`` if not."""
    require_day(moment.date())
    return moment


def moment_of(text: object, *, naive: bool = False) -> datetime | None:
    """An ISO 8601 instant with its zone and in range, in UTC; None for anything else (a tampered
    cursor, for one: the caller answers that as its own 422). With ``naive``, a time without a zone
    (as SQLite returns a column that had one) is taken too, and returned as it is."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not in_range(moment.date()):
        return None
    if moment.tzinfo is None:
        return moment if naive else None
    return moment.astimezone(UTC)


Day = Annotated[date, AfterValidator(require_day)]
"""A calendar day from ``FIRST_DAY`` to ``LAST_DAY``: the type of every day an API accepts."""

Moment = Annotated[AwareDatetime, AfterValidator(require_moment)]
"""An instant with its time zone, on a day from ``FIRST_DAY`` to ``LAST_DAY``: every instant an API accepts."""


def zoned(moment: datetime) -> datetime:
    """``moment`` with its zone: a naive one (as SQLite gives back what was stored in UTC) as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Zoned = Annotated[datetime, AfterValidator(zoned)]
"""An instant in an answer, always with its offset (a naive stored value is UTC): every instant an API answers."""
