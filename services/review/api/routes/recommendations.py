"""``/api/v1/recommendations``: recommend activities (附件3) and units (附件2), then endorse, decline,
withdraw and commend them up the chain. Every refusal is problem+json naming the rule (403 outside
jurisdiction, 422 not eligible or deadline passed, 409 quota full or wrong state)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from shared.web.idempotency import Idempotent

from ...domain.recommendations import Recommendation
from ..deps import ReviewDep, StaffDep
from ..schemas import (
    ActivityNominationIn,
    CommendIn,
    DeclineIn,
    EndorseIn,
    RecommendationOut,
    UnitNominationIn,
    WithdrawIn,
)

router = APIRouter(prefix="/recommendations", tags=["recommendations"])


@router.post(
    "",
    status_code=201,
    response_model=RecommendationOut,
    summary="Recommend an activity (附件3)",
    dependencies=[Idempotent],
)
async def recommend_activity(
    body: ActivityNominationIn, staff: StaffDep, review: ReviewDep, response: Response
) -> RecommendationOut:
    rec = await review.recommendations.recommend_activity(staff, body.nomination())
    response.headers["Location"] = f"/api/v1/recommendations/{rec.id}"
    return await _answer(review, staff, rec)


@router.post(
    "/units",
    status_code=201,
    response_model=RecommendationOut,
    summary="Recommend a unit (附件2)",
    dependencies=[Idempotent],
)
async def recommend_unit(
    body: UnitNominationIn, staff: StaffDep, review: ReviewDep, response: Response
) -> RecommendationOut:
    rec = await review.recommendations.recommend_unit(staff, body.nomination())
    response.headers["Location"] = f"/api/v1/recommendations/{rec.id}"
    return await _answer(review, staff, rec)


@router.get("/{recommendation_id}", response_model=RecommendationOut, summary="One recommendation with its history")
async def get_recommendation(recommendation_id: str, staff: StaffDep, review: ReviewDep) -> RecommendationOut:
    rec, row = await review.recommendations.get(staff, recommendation_id)
    return RecommendationOut.of(rec, row)


@router.post(
    "/{recommendation_id}/endorse",
    response_model=RecommendationOut,
    summary="Endorse with the level's review opinion (择优上报): it rises one level, or is selected at the top",
)
async def endorse(recommendation_id: str, body: EndorseIn, staff: StaffDep, review: ReviewDep) -> RecommendationOut:
    rec = await review.recommendations.endorse(staff, recommendation_id, body.opinion)
    return await _answer(review, staff, rec)


@router.post("/{recommendation_id}/decline", response_model=RecommendationOut, summary="Decline with a reason")
async def decline(recommendation_id: str, body: DeclineIn, staff: StaffDep, review: ReviewDep) -> RecommendationOut:
    rec = await review.recommendations.decline(staff, recommendation_id, body.reason)
    return await _answer(review, staff, rec)


@router.post(
    "/{recommendation_id}/withdraw",
    response_model=RecommendationOut,
    summary="Withdraw one's own recommendation before the next level acts (frees its quota place)",
)
async def withdraw(
    recommendation_id: str, staff: StaffDep, review: ReviewDep, body: WithdrawIn | None = None
) -> RecommendationOut:
    rec = await review.recommendations.withdraw(staff, recommendation_id, body.reason if body else None)
    return await _answer(review, staff, rec)


@router.post(
    "/{recommendation_id}/commend", response_model=RecommendationOut, summary="Commend (表扬) a selected one (national)"
)
async def commend(
    recommendation_id: str, staff: StaffDep, review: ReviewDep, body: CommendIn | None = None
) -> RecommendationOut:
    rec = await review.recommendations.commend(staff, recommendation_id, body.citation if body else None)
    return await _answer(review, staff, rec)


async def _answer(review: ReviewDep, _staff: StaffDep, rec: Recommendation) -> RecommendationOut:
    """The recommendation as the caller now sees it (the acting body may lose sight of what it sent up)."""
    row = await review.recommendations.row(rec.id)
    return RecommendationOut.of(rec, row)
