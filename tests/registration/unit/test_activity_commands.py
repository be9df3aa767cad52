"""The activity commands of registration's service layer over in-memory fakes: no database, no process."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain.activity import ActivityDetails, ScienceWorker
from services.registration.domain.errors import NotFound, RuleBroken
from services.registration.domain.info import InfoCompletion
from services.registration.service.activities import Activities
from shared.auth import Principal
from shared.events.payloads.activities import ActivityRegistered, ActivityUpdated, ActivityWithdrawn, InfoCompleted
from shared.store import ConcurrencyError, IntegrityViolation

from ..fakes import (
    NOW,
    FakeActivityStore,
    FakeCampaigns,
    FakeKeyPlanLocks,
    FakeRegions,
    FakeSealer,
    FixedClock,
    campaign,
)

ORGANIZER = Principal(subject="acc-1", role="organizer", unit_id="unit-1")
OTHER = Principal(subject="acc-2", role="organizer", unit_id="unit-2")
STARTS = datetime(2026, 9, 13, 1, 0, tzinfo=UTC)
DETAILS = ActivityDetails(
    name="走进科技馆",
    organizer_name="雁塔区科协",
    starts_at=STARTS,
    ends_at=STARTS + timedelta(hours=3),
    region_code="610113",
    address="西安市雁塔区科技路 1 号",
)


@pytest.fixture
def store() -> FakeActivityStore:
    return FakeActivityStore(units={"unit-1": "610113", "unit-2": "610113"})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sealer() -> FakeSealer:
    return FakeSealer()


@pytest.fixture
def activities(store: FakeActivityStore, clock: FixedClock, sealer: FakeSealer) -> Activities:
    return Activities(store, FakeRegions(), FakeCampaigns(campaign()), sealer, FakeKeyPlanLocks(), clock=clock)


async def test_a_registered_activity_is_committed_at_version_zero_with_its_event(
    activities: Activities, store: FakeActivityStore
) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)

    assert (activity.version, activity.status, activity.review_status) == (1, "registered", "pending")
    [commit] = store.committed
    assert commit.expected == 0 and commit.now == NOW and commit.sealed is None
    assert isinstance(commit.decision.event, ActivityRegistered)
    assert store.activities[activity.id] == activity


async def test_registration_outside_its_window_or_for_no_campaign_breaks_a_rule(
    activities: Activities, store: FakeActivityStore, clock: FixedClock
) -> None:
    with pytest.raises(RuleBroken) as unknown:
        await activities.register(ORGANIZER, "1999", DETAILS)
    clock.now = datetime(2027, 1, 2, tzinfo=UTC)
    with pytest.raises(RuleBroken) as closed:
        await activities.register(ORGANIZER, "2026", DETAILS)

    assert (unknown.value.field, closed.value.field) == ("campaign_id", "campaign_id")
    assert store.committed == []


async def test_only_an_organizer_unit_registers(activities: Activities) -> None:
    with pytest.raises(RuleBroken) as refused:
        await activities.register(Principal(subject="a", role="admin"), "2026", DETAILS)
    assert refused.value.field == "role"


async def test_an_update_at_the_version_read_commits_the_change_and_a_stale_one_conflicts(
    activities: Activities, store: FakeActivityStore
) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)

    changed = await activities.update(ORGANIZER, activity.id, 1, replace(DETAILS, name="走进科技馆（二）"))
    with pytest.raises(ConcurrencyError):
        await activities.update(ORGANIZER, activity.id, 1, DETAILS)

    assert changed.version == 2
    assert isinstance(store.committed[-1].decision.event, ActivityUpdated)
    assert store.committed[-1].expected == 1


async def test_an_unchanged_update_commits_nothing(activities: Activities, store: FakeActivityStore) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)
    same = await activities.update(ORGANIZER, activity.id, 1, DETAILS)
    assert same.version == 1 and len(store.committed) == 1


async def test_another_units_activity_is_not_found_for_reading_changing_or_withdrawing(
    activities: Activities,
) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)
    for command in (
        activities.get(OTHER, activity.id),
        activities.update(OTHER, activity.id, 1, DETAILS),
        activities.withdraw(OTHER, activity.id, 1, None),
    ):
        with pytest.raises(NotFound) as missing:
            await command
        assert (missing.value.what, missing.value.id) == ("activity", activity.id)


async def test_a_withdrawal_before_the_activity_commits_its_event(
    activities: Activities, store: FakeActivityStore
) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)
    withdrawn = await activities.withdraw(ORGANIZER, activity.id, 1, "场地取消")
    assert withdrawn.status == "withdrawn"
    assert isinstance(store.committed[-1].decision.event, ActivityWithdrawn)


async def test_info_is_completed_only_once_the_activity_started(
    activities: Activities, store: FakeActivityStore, clock: FixedClock
) -> None:
    activity = await activities.register(ORGANIZER, "2026", DETAILS)
    info = InfoCompletion(actual_participants=120, summary="圆满完成")
    with pytest.raises(RuleBroken) as early:
        await activities.complete_info(ORGANIZER, activity.id, 1, info)

    clock.now = STARTS + timedelta(hours=1)
    completed = await activities.complete_info(ORGANIZER, activity.id, 1, info)

    assert early.value.field == "starts_at"
    assert completed.info == info and completed.completeness == pytest.approx(0.45)
    assert isinstance(store.committed[-1].decision.event, InfoCompleted)


async def test_a_listed_worker_list_is_sealed_and_sealed_again_when_an_erasure_took_its_key(
    store: FakeActivityStore, clock: FixedClock, sealer: FakeSealer
) -> None:
    class ErasedOnce(FakeActivityStore):
        async def commit(self, *args: object, **kwargs: object) -> None:
            if sealer.sealings == 1:
                sealer.keys_held = False  # the key went between the sealing and the commit
                raise IntegrityViolation("science_workers.key_id is NULL")
            await super().commit(*args, **kwargs)  # type: ignore[arg-type]

    racing = ErasedOnce(units=store.units)
    activities = Activities(racing, FakeRegions(), FakeCampaigns(campaign()), sealer, FakeKeyPlanLocks(), clock=clock)
    workers = (ScienceWorker(name="张三", phone="13800138000"),)

    activity = await activities.register(ORGANIZER, "2026", replace(DETAILS, science_workers=workers))

    assert sealer.sealings == 2
    [commit] = racing.committed
    assert commit.sealed is not None and commit.sealed.activity_id == activity.id
