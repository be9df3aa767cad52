"""A fixed, varied history of analytics' streams (no tests here), for the tests that pin the statistics'
answers and compare replayed views with live-built ones.

Seeded, so every run builds the same events: two campaigns, activities in several provinces, cities and
counties over several days, every category, joint action, programme, format, theme and target group the
statistics group by, and then what changes the counts: changes of region, day, category, themes and
science workers, withdrawals, info completions, verdicts (an approval then a rejection), recommendations
with endorsements and withdrawals, unit recommendations, commendations, check-ins, feedback and
notifications. Some facts arrive before their activity's registration, and some events twice.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from shared.events import CATALOG, Envelope, EventPayload
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.events.payloads.campaigns import CampaignConfigured, LocalRule
from shared.events.payloads.notifications import NotificationFailed, NotificationSent
from shared.events.payloads.participation import FeedbackSubmitted, ParticipationRecorded
from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationEndorsed,
    RecommendationWithdrawn,
    Recommended,
    UnitRecommended,
)

START = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
REGIONS = ("610502", "610503", "610103", "610112", "440106", "440305", "110105")
CATEGORIES = ("科普讲座", "科技展览", "科普游园", None)
JOINT = (None, "学会联合行动", "企业联合行动")
PROGRAMMES = (None, None, "千馆展览探未来", "千万IP创科普")
THEMES = ("食品安全", "卫生健康", "农业生产", "航空航天")
TARGETS = ("青少年", "老年人", "农民")
LEVELS = ("county", "city", "province", "national")
CAMPAIGNS = ("2026", "2025")


def campaign(campaign_id: str) -> CampaignConfigured:
    return CampaignConfigured(
        campaign_id=campaign_id, year=int(campaign_id), title=f"{campaign_id}年全国科普日",
        week_starts_on=datetime(2026, 9, 14).date(), week_ends_on=datetime(2026, 9, 20).date(),
        indicators=["活动数量", "参与人数"],
        local_rules=[
            LocalRule(name="食品安全科普活动", kind="name_contains", match="食品安全", per="county"),
            LocalRule(name="科普讲座", kind="category", match="科普讲座", per="city"),
        ],
    )  # fmt: skip


def history(activities: int = 60, seed: int = 21) -> list[Envelope]:
    """The events, in the order the bus would deliver them (streams interleaved), some twice."""
    rng = random.Random(seed)
    clock = iter(range(10**9))

    def at() -> datetime:
        return START + timedelta(seconds=53 * next(clock))

    def env(payload: EventPayload, subject: str, sequence: int, campaign_id: str) -> Envelope:
        e = CATALOG.envelope(payload, subject=subject, sequence=sequence, source="/tests", campaign=campaign_id)
        return e.model_copy(update={"time": at(), "id": f"e{next(clock):06d}"})

    out = [env(campaign(c), c, 1, c) for c in CAMPAIGNS]
    streams: list[list[Envelope]] = []
    for a in range(activities):
        activity_id, camp, seq = f"a{a:03d}", CAMPAIGNS[a % 7 == 6], iter(range(1, 100))
        events: list[Envelope] = []
        if rng.random() < 0.15:  # a fact of another topic read before the registration
            events.append(
                env(ParticipationRecorded(activity_id=activity_id, participant_ref="early"), activity_id, 1, camp)
            )
        starts = datetime(2026, 9, 14 + rng.randrange(5), rng.choice((1, 2, 17)), 0, tzinfo=UTC)
        events.append(
            env(
                ActivityRegistered(
                    activity_id=activity_id, campaign_id=camp,
                    name=("食品安全" if rng.random() < 0.3 else "") + f"活动{a}",
                    organizer_id=f"u{rng.randrange(6)}", organizer_name=f"单位{rng.randrange(6)}",
                    region_code=rng.choice(REGIONS), starts_at=starts, ends_at=starts + timedelta(hours=2),
                    format=rng.choice(("offline", "online", "both")), category=rng.choice(CATEGORIES),
                    joint_action=rng.choice(JOINT), programme=rng.choice(PROGRAMMES),
                    themes=rng.sample(THEMES, rng.randrange(3)), target_groups=rng.sample(TARGETS, rng.randrange(3)),
                    science_worker_count=rng.randrange(6),
                    online_works=[{"url": f"https://v.example.cn/{a}/{i}", "platform": "B站"} for i in range(rng.randrange(3))],
                ),
                activity_id, next(seq), camp,
            )
        )  # fmt: skip
        recommendations: list[str] = []
        for _ in range(rng.randrange(9)):
            op = rng.choice(OPERATIONS)
            fact = None
            if op == "update":
                changes: dict[str, object] = {}
                for key, values in (
                    ("category", CATEGORIES), ("region_code", REGIONS), ("science_worker_count", range(6)),
                    ("programme", PROGRAMMES), ("format", ("offline", "online", "both")),
                ):  # fmt: skip
                    if rng.random() < 0.3:
                        changes[key] = rng.choice(list(values))
                if rng.random() < 0.3:
                    changes["themes"] = rng.sample(THEMES, rng.randrange(3))
                if rng.random() < 0.2:
                    changes["target_groups"] = rng.sample(TARGETS, rng.randrange(3))
                if rng.random() < 0.2:
                    moved = starts + timedelta(days=rng.randrange(-1, 2))
                    changes["starts_at"] = moved.isoformat()
                    changes["ends_at"] = (moved + timedelta(hours=2)).isoformat()
                events.append(
                    env(ActivityUpdated(activity_id=activity_id, changes=changes), activity_id, next(seq), camp)
                )
            elif op == "withdraw":
                events.append(env(ActivityWithdrawn(activity_id=activity_id), activity_id, next(seq), camp))
            elif op == "complete":
                done = InfoCompleted(activity_id=activity_id, completeness=1.0, actual_participants=rng.randrange(300))
                events.append(env(done, activity_id, next(seq), camp))
            elif op == "approve":
                fact = ActivityApproved(activity_id=activity_id, reviewer_body="county:610502")
            elif op == "reject":
                fact = ActivityRejected(activity_id=activity_id, reviewer_body="county:610502", reason="不符合要求")
            elif op == "recommend":
                rid = f"r-{activity_id}-{len(recommendations)}"
                recommendations.append(rid)
                fact = Recommended(
                    recommendation_id=rid, activity_id=activity_id, from_body="county:610502", from_level="county",
                    to_level=rng.choice(LEVELS[:3]), reason="优秀", campaign_id=camp,
                )  # fmt: skip
            elif op == "endorse" and recommendations:
                fact = RecommendationEndorsed(
                    recommendation_id=rng.choice(recommendations), subject="activity",
                    level=rng.choice(LEVELS[1:]), body="province:61", opinion="同意",
                )  # fmt: skip
            elif op == "unrecommend" and recommendations:
                fact = RecommendationWithdrawn(
                    recommendation_id=rng.choice(recommendations), subject="activity", body="x"
                )
            elif op == "unit":
                fact = UnitRecommended(
                    recommendation_id=f"ru-{activity_id}-{rng.randrange(99)}", unit_id=f"u{rng.randrange(6)}",
                    from_body="county:610502", from_level="county", to_level=rng.choice(LEVELS), deeds="组织有力",
                    campaign_id=camp,
                )  # fmt: skip
            elif op == "commend":
                fact = Commended(subject="activity", subject_id=activity_id, citation="表扬")
            elif op == "checkin":
                fact = ParticipationRecorded(activity_id=activity_id, participant_ref=f"p{next(clock)}")
            elif op == "feedback":
                fact = FeedbackSubmitted(activity_id=activity_id, rating=rng.randrange(1, 6))
            elif op == "notify":
                kind = rng.choice(("thank_you", "reminder"))
                if rng.random() < 0.7:
                    fact = NotificationSent(
                        notification_id=f"n{next(clock)}", kind=kind, channel=rng.choice(("sms", "email")),
                        recipient_masked="139****0000",
                    )  # fmt: skip
                else:
                    fact = NotificationFailed(
                        notification_id=f"n{next(clock)}", kind=kind, channel="sms",
                        recipient_masked="139****0000", error="号码无效", permanent=True,
                    )  # fmt: skip
            if fact is not None:
                events.append(env(fact, activity_id, 1, camp))
        streams.append(events)
    merged: list[Envelope] = []
    while any(streams):
        stream = rng.choice([s for s in streams if s])
        merged.append(stream.pop(0))
    twice = [merged[rng.randrange(len(merged))] for _ in range(len(merged) // 15)]  # published twice
    for e in twice:
        merged.insert(rng.randrange(merged.index(e) + 1, len(merged) + 1), e)
    return out + merged


OPERATIONS = (
    "update", "withdraw", "complete", "approve", "reject", "recommend", "recommend", "endorse", "endorse", "unrecommend",
    "unit",
    "commend", "checkin", "checkin", "feedback", "feedback", "notify",
)  # fmt: skip
