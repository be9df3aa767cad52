"""The rules of a science route (科普路线): its stops, their order, and a visitor's progress along it."""

from __future__ import annotations

import pytest

from services.registration.domain.errors import RuleBroken
from services.registration.domain.route import RouteDetails, Stop, check, progress, require_routes_on

A, B = Stop(activity_id="a1"), Stop(activity_id="a2")
VENUE = Stop(name="渭南市科技馆", latitude=34.5, longitude=109.5)
OF = {"a1": "2024", "a2": "2024", "old": "2023"}


def test_progress_follows_the_route_order_and_completes_at_every_stop() -> None:
    stops = (A, VENUE, B)
    assert progress(stops, {"a:a2"}).checked == ("a:a2",)
    half = progress(stops, {"a:a2", "a:a1"})
    assert (half.checked, half.completed) == (("a:a1", "a:a2"), False)
    assert progress(stops, {"a:a2", "a:a1", "v:渭南市科技馆"}).completed


def test_a_stop_removed_from_the_route_no_longer_counts() -> None:
    assert not progress((A, B), {"a:a1", "a:gone"}).completed
    assert progress((), set()).completed is False


def test_a_stops_key_does_not_change_with_its_place_in_the_order() -> None:
    assert [s.key for s in (B, A)] == ["a:a2", "a:a1"]
    check(RouteDetails("之旅", (B, VENUE, A)), OF, "2024")


@pytest.mark.parametrize(
    "stops",
    [
        (A,),
        (A, A),
        (A, Stop(activity_id="old")),
        (A, Stop(activity_id="unknown")),
        (A, Stop(name="无坐标")),
        (A, Stop(name="巴黎", latitude=48.8, longitude=2.3)),
        (A, Stop(activity_id="a2", name="又是场馆")),
        tuple(Stop(name=f"馆{i}", latitude=34.0, longitude=109.0) for i in range(31)),
    ],
)
def test_a_route_that_is_not_a_route_is_refused_naming_its_stops(stops: tuple[Stop, ...]) -> None:
    with pytest.raises(RuleBroken) as refused:
        check(RouteDetails("之旅", stops), OF, "2024")
    assert refused.value.field == "stops"


def test_routes_need_the_campaigns_science_map_to_have_them() -> None:
    require_routes_on({"science_routes": True}, "2024")
    for setting in (None, {}, {"science_routes": False}, "yes"):
        with pytest.raises(RuleBroken) as refused:
            require_routes_on(setting, "2024")
        assert refused.value.field == "campaign_id"
