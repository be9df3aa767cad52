"""The planners' decisions without a database: which review outcome tells whom what, when a reset code
is texted and how long it is said to last, the thank-you of each worker, the reminder days, what is
kept of a campaign, and the one shape of a reserved message."""

from __future__ import annotations

from datetime import date, timedelta

from services.notification.adapters.reservations import queued_message, reminder
from services.notification.domain.campaigns import campaign_row
from services.notification.projections.password_resets import PASSWORD_RESET, reset_message
from services.notification.projections.review_outcome_messages import Outcome, outcome_of
from services.notification.projections.thank_you import open_worker, thank_yous
from services.notification.service.reminders import body_inbox, days_left
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.restricted import ListedScienceWorker, PasswordResetRequested
from shared.events.payloads.reviews import (
    ActivityApproved,
    ActivityRejected,
    Commended,
    RecommendationDeclined,
    RecommendationEndorsed,
    Recommended,
    UnitRecommended,
)
from tests.notification.fakes import NOW, FakeTexts


def _nothing_known(_recommendation_id: str) -> None:
    return None


def test_each_review_outcome_tells_the_organizer_concerned() -> None:
    assert outcome_of(ActivityApproved(activity_id="a1", reviewer_body="临渭区科协"), _nothing_known) == Outcome(
        "review_approved", "a1", None
    )
    rejected = outcome_of(ActivityRejected(activity_id="a1", reviewer_body="x", reason="不符合主题"), _nothing_known)
    assert rejected == Outcome("review_rejected", "a1", None, extra={"reason": "不符合主题"})
    recommended = Recommended(
        recommendation_id="r1",
        activity_id="a1",
        from_body="临渭区科协",
        from_level="county",
        to_level="city",
        reason="好",
        activity_name="走进科技馆",
    )
    assert outcome_of(recommended, _nothing_known) == Outcome(
        "recommended", "a1", None, "走进科技馆", {"body_name": "临渭区科协"}
    )
    unit = UnitRecommended(
        recommendation_id="r2", unit_id="u1", from_body="b", from_level="county", to_level="city", deeds="d"
    )
    assert outcome_of(unit, _nothing_known) == Outcome("recommended", None, "u1", None, {"body_name": "b"})
    assert outcome_of(Commended(subject="unit", subject_id="u1"), _nothing_known) == Outcome("commended", None, "u1")
    assert outcome_of(Commended(subject="activity", subject_id="a1"), _nothing_known) == Outcome(
        "commended", "a1", None
    )


def test_an_endorsement_names_the_level_in_chinese_and_one_of_an_unknown_recommendation_tells_nobody() -> None:
    endorsed = RecommendationEndorsed(
        recommendation_id="r1", subject="activity", level="city", body="渭南市科协", opinion="同意"
    )
    assert outcome_of(endorsed, _nothing_known) is None
    found = outcome_of(endorsed, lambda r: ("a1", None, "走进科技馆") if r == "r1" else None)
    assert found == Outcome(
        "endorsed", "a1", None, "走进科技馆", {"body_name": "渭南市科协", "level": "市级", "opinion": "同意"}
    )
    declined = RecommendationDeclined(recommendation_id="r1", subject="activity", level="city", body="b", reason="r")
    assert outcome_of(declined, lambda r: ("a1", None, None)) is None


def test_a_reset_code_is_texted_while_it_lasts_saying_its_minutes_rounded_up() -> None:
    texts = FakeTexts()
    request = PasswordResetRequested(
        account_id="acc", phone="13800001234", code="123456", expires_at=NOW + timedelta(minutes=9, seconds=1)
    )
    row = reset_message("event-1", request, texts, NOW)
    assert row is not None
    assert (row["event_id"], row["recipient"], row["channel"], row["kind"]) == (
        "event-1",
        "13800001234",
        "sms",
        PASSWORD_RESET,
    )
    assert row["recipient_masked"] == "138****1234" and row["text"] == "code=123456|minutes=10"
    expired = request.model_copy(update={"expires_at": NOW})
    assert reset_message("event-2", expired, texts, NOW) is None


def test_each_worker_to_thank_gets_one_sms_keyed_by_the_activity_in_the_organizers_name() -> None:
    workers = [
        ("a1", "2026", "走进科技馆", "unit-1", "渭南市科协", "李明", "13800001234", "2026年全国科普日"),
        ("a1", "2026", None, "unit-1", None, "王芳", "13900005678", None),
    ]
    rows = thank_yous(workers, FakeTexts(), NOW)
    assert [(r["event_id"], r["recipient"], r["recipient_masked"]) for r in rows] == [
        ("thank-you:a1", "13800001234", "138****1234"),
        ("thank-you:a1", "13900005678", "139****5678"),
    ]
    assert "organizer_name=渭南市科协" in rows[0]["text"] and "campaign_title=全国科普日" in rows[1]["text"]
    assert all(r["state"] == "queued" and r["organizer_id"] == "unit-1" and r["sign"] is None for r in rows)


def test_a_worker_is_opened_with_their_key_and_skipped_once_it_is_gone() -> None:
    clear = ListedScienceWorker(worker_id="w1", name="李明", phone="13800001234")
    assert open_worker(clear, {})["phone"] == "13800001234"  # type: ignore[index]
    sealed = ListedScienceWorker(key_id="k1", sealed="not-opened")
    assert open_worker(sealed, {}) is None, "erased: the key is gone"
    assert open_worker(sealed, {"k1": b"0" * 32}) is None, "a seal the key does not open"


def test_reminders_fall_on_the_campaigns_reminder_days_once_each() -> None:
    today = date(2026, 9, 1)
    assert days_left("2026-09-08", today, [7, 3, 1]) == 7
    assert days_left("2026-09-06", today, [7, 3, 1]) is None
    assert days_left(None, today, [7, 3, 1]) is None
    row = reminder("info_deadline", {"campaign_id": "2026"}, date(2026, 9, 8), 7, "unit:u1", "u1", "t", "x", NOW)
    assert row["event_id"] == "reminder:info_deadline:2026:2026-09-08:7"
    assert (row["channel"], row["recipient_masked"], row["subject"]) == ("inbox", "站内信", "t")
    assert body_inbox("county", "610502") == "body:county:610502" and body_inbox("national", "") == "body:national:CN"


def test_what_is_kept_of_a_campaign_reminder_days_thank_yous_and_deadlines() -> None:
    configured = CampaignConfigured(
        campaign_id="2026",
        year=2026,
        title="2026年全国科普日",
        week_starts_on="2026-09-15",
        week_ends_on="2026-09-21",
        settings={"reminder_days": [1, 3, 3], "thank_you_sms": False},
    )
    row = campaign_row(configured, 4)
    assert row["reminder_days"] == "[3, 1]" and row["thank_you_sms"] is False and row["version"] == 4
    odd = configured.model_copy(update={"settings": {"reminder_days": [99], "thank_you_sms": "yes"}})
    assert campaign_row(odd, 5)["reminder_days"] == "[7, 3, 1]" and campaign_row(odd, 5)["thank_you_sms"] is None


def test_a_queued_message_masks_its_recipient_as_answers_show_it() -> None:
    sms = queued_message(event_id="e", recipient="13800001234", channel="sms", kind="k", text="t", now=NOW)
    inbox = queued_message(event_id="e", recipient="unit:u1", channel="inbox", kind="k", text="t", now=NOW)
    assert sms["recipient_masked"] == "138****1234" and inbox["recipient_masked"] == "站内信"
    assert sms["notification_id"] != inbox["notification_id"]
    assert sms["next_attempt_at"] == sms["created_at"] == NOW and sms["attempts"] == 0
