"""Admins and reviewers: created by an operator, with a level and a jurisdiction that must fit."""

from __future__ import annotations

import pytest

from services.registration.domain.errors import RuleBroken
from shared.auth import Principal

from .conftest import PASSWORD, Service


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_staff_log_in_with_their_level_and_jurisdiction(service: Service) -> None:
    headers = await service.staff("reviewer", "city", "6105")
    principal = await service.container.verifier.verify(headers["Authorization"].removeprefix("Bearer "))
    assert (principal.role, principal.level, principal.jurisdiction) == ("reviewer", "city", "6105")
    admin = await service.container.verifier.verify((await service.admin())["Authorization"].removeprefix("Bearer "))
    assert isinstance(admin, Principal) and admin.role == "admin" and admin.level == "national"


@pytest.mark.parametrize(
    ("level", "jurisdiction", "field"),
    [
        ("city", "610502", "jurisdiction"),  # a county code for a city body
        ("county", "619999", "region_code"),  # no such division
        ("province", None, "jurisdiction"),
        ("national", "6105", "jurisdiction"),  # national: the country or a society's field
        ("township", "61", "level"),
    ],
)
async def test_a_reviewer_whose_level_and_jurisdiction_do_not_fit_is_refused(
    service: Service, level: str, jurisdiction: str | None, field: str
) -> None:
    with pytest.raises(RuleBroken) as refused:
        await service.container.accounts.create_staff("r-1", PASSWORD, "reviewer", level, jurisdiction)  # type: ignore[arg-type]
    assert refused.value.field == field


async def test_a_national_society_reviews_within_its_field(service: Service) -> None:
    headers = await service.staff("reviewer", "national", "society:中国营养学会")
    principal = await service.container.verifier.verify(headers["Authorization"].removeprefix("Bearer "))
    assert principal.jurisdiction == "society:中国营养学会"
