"""What the planners keep from the streams: campaigns, activities and their science workers, the
recommendations the review outcomes are about, the summary reports submitted. Writers and reads, each
on the planner's connection (the consumer's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, or_, select

from shared.events.payloads.activities import ActivityRegistered
from shared.store.upsert import upsert

from .tables import activities, campaigns, messages, recommendations, subject_phones, summaries_submitted, workers

THANK_YOU = "thank_you"


def keep_campaign(connection: Connection, row: dict[str, Any]) -> bool | None:
    """Keep the campaign's row; its ``thank_you_sms`` before (None: not said, or not known)."""
    c = campaigns
    before = connection.execute(
        select(c.c.thank_you_sms).where(c.c.campaign_id == row["campaign_id"])
    ).scalar_one_or_none()
    upsert(connection, campaigns, [row], keys=("campaign_id",), update=dict.fromkeys(list(row)[1:]))
    return before


def cancel_thank_yous(connection: Connection, campaign_id: str, reason: str, now: datetime) -> None:
    """The campaign's thank-yous not sent yet are cancelled, with the reason."""
    m = messages
    connection.execute(
        m.update()
        .where(m.c.kind == THANK_YOU, m.c.campaign == campaign_id, m.c.state == "queued")
        .values(state="cancelled", error=reason, updated_at=now)
    )


def requeue_thank_yous(connection: Connection, campaign_id: str, now: datetime) -> list[str]:
    """Queue the campaign's cancelled thank-yous again; its info-completed activities (to thank)."""
    m, a = messages, activities
    connection.execute(
        m.update()
        .where(m.c.kind == THANK_YOU, m.c.campaign == campaign_id, m.c.state == "cancelled")
        .values(state="queued", attempts=0, next_attempt_at=now, error=None, updated_at=now)
    )
    completed = select(a.c.activity_id).where(a.c.campaign == campaign_id, a.c.info_completed.is_(True))
    return list(connection.scalars(completed))


def activity_row(payload: ActivityRegistered, sequence: int) -> dict[str, Any]:
    return {
        "activity_id": payload.activity_id,
        "campaign": payload.campaign_id,
        "name": payload.name,
        "organizer_id": payload.organizer_id,
        "organizer_name": payload.organizer_name,
        "region_code": payload.region_code,
        "info_completed": False,
        "version": sequence,
        "workers_version": 0,
    }


def keep_activity(connection: Connection, row: dict[str, Any]) -> None:
    """A registered activity; messages reserved before it was known get its organizer."""
    columns = ("campaign", "name", "organizer_id", "organizer_name", "region_code", "version")
    upsert(connection, activities, [row], keys=("activity_id",), update=dict.fromkeys(columns))
    claim_orphans(connection, row["activity_id"], row["organizer_id"])


def claim_orphans(connection: Connection, activity_id: str, organizer_id: str | None) -> None:
    """Give the messages reserved before their activity was known the activity's organizer."""
    if organizer_id is None:
        return
    m = messages
    connection.execute(
        m.update().where(m.c.activity_id == activity_id, m.c.organizer_id.is_(None)).values(organizer_id=organizer_id)
    )


def rename_activity(connection: Connection, activity_id: str, name: str, sequence: int) -> None:
    a = activities
    connection.execute(
        a.update().where(a.c.activity_id == activity_id, a.c.version < sequence).values(name=name, version=sequence)
    )


def known_activity(connection: Connection, activity_id: str) -> None:
    """Make sure the activity has a row (its registration may arrive after its other events)."""
    upsert(
        connection,
        activities,
        [{"activity_id": activity_id, "info_completed": False, "version": 0, "workers_version": 0}],
        keys=("activity_id",),
    )


def complete_activity(connection: Connection, activity_id: str) -> None:
    known_activity(connection, activity_id)
    a = activities
    connection.execute(a.update().where(a.c.activity_id == activity_id).values(info_completed=True))


def workers_version(connection: Connection, activity_id: str) -> int | None:
    """The sequence of the activity's list held (its row made if need be)."""
    known_activity(connection, activity_id)
    a = activities
    return connection.scalar(select(a.c.workers_version).where(a.c.activity_id == activity_id))


def replace_workers(
    connection: Connection,
    activity_id: str,
    organizer_name: str,
    sequence: int,
    rows: Sequence[dict[str, Any]],
    opened: Sequence[dict[str, Any]],
) -> None:
    """The activity's list replaced by ``rows``; which phone each key opened to (``opened``)."""
    a = activities
    connection.execute(
        a.update().where(a.c.activity_id == activity_id).values(workers_version=sequence, organizer_name=organizer_name)
    )
    connection.execute(delete(workers).where(workers.c.activity_id == activity_id))
    upsert(connection, subject_phones, list(opened), keys=("key_id",))
    if rows:
        connection.execute(workers.insert(), [{"activity_id": activity_id, **row} for row in rows])


def workers_to_thank(connection: Connection, activity_ids: Sequence[str]) -> Sequence[Any]:
    """Each listed worker of these activities once info-completed, in a campaign that sends thank-yous
    (one that does not say, does): activity_id, campaign, name, organizer_id, organizer_name,
    worker_name, phone, title."""
    a, w, c = activities, workers, campaigns
    return connection.execute(
        select(
            a.c.activity_id,
            a.c.campaign,
            a.c.name,
            a.c.organizer_id,
            a.c.organizer_name,
            w.c.name.label("worker_name"),
            w.c.phone,
            c.c.title,
        )
        .join(w, w.c.activity_id == a.c.activity_id)
        .outerjoin(c, c.c.campaign_id == a.c.campaign)
        .where(
            a.c.activity_id.in_(list(activity_ids)),
            a.c.info_completed.is_(True),
            or_(c.c.thank_you_sms.is_(None), c.c.thank_you_sms.is_(True)),  # not said: sent
        )
    ).all()


def remember_recommendation(connection: Connection, row: dict[str, Any]) -> None:
    """What a recommendation is about (recommendation_id, activity_id, unit_id, subject_name)."""
    upsert(connection, recommendations, [row], keys=("recommendation_id",))


def recommendation_about(
    connection: Connection, recommendation_id: str
) -> tuple[str | None, str | None, str | None] | None:
    """(activity, unit, subject name) of a recommendation; None when it is not known."""
    r = recommendations
    row = connection.execute(
        select(r.c.activity_id, r.c.unit_id, r.c.subject_name).where(r.c.recommendation_id == recommendation_id)
    ).first()
    return (row.activity_id, row.unit_id, row.subject_name) if row is not None else None


def activity_known(connection: Connection, activity_id: str) -> Any:
    """name, organizer_id, organizer_name, campaign and its title of an activity, when known."""
    a, c = activities, campaigns
    return connection.execute(
        select(a.c.name, a.c.organizer_id, a.c.organizer_name, a.c.campaign, c.c.title)
        .outerjoin(c, c.c.campaign_id == a.c.campaign)
        .where(a.c.activity_id == activity_id)
    ).first()


def keep_submitted(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Summary reports submitted: (campaign, reporter), each kept once."""
    upsert(connection, summaries_submitted, list(rows), keys=("campaign", "reporter"), update={})
