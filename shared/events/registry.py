"""Registers every Kepuri event type (DESIGN §3) in :data:`CATALOG`."""

from __future__ import annotations

from typing import Any

from . import topics
from .catalog import Catalog
from .payloads import (
    activities,
    campaigns,
    key_activities,
    notifications,
    participation,
    privacy,
    restricted,
    reviews,
    routes,
    summaries,
)


def _activity_registered_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 activities were all held at a place: v1 had a region code but no format and no URL.
    return {**data, "format": "offline"}


def build_catalog() -> Catalog:
    """Build the catalog of every event type, its versions, topic and producing service."""
    catalog = Catalog()
    reg, rev, note = "registration", "review", "notification"
    catalog.register(topics.CAMPAIGNS, reg, campaigns.CampaignConfigured)
    catalog.register(topics.UNITS, reg, campaigns.UnitRegistered)
    catalog.register(topics.UNITS, reg, campaigns.AccountDisabled)
    catalog.register(topics.UNITS, reg, campaigns.AccountEnabled)
    catalog.register(topics.UNITS, reg, campaigns.AccountCreated)
    catalog.register(topics.UNITS, reg, campaigns.PasswordChanged)
    catalog.register(
        topics.ACTIVITIES,
        reg,
        activities.ActivityRegisteredV1,
        activities.ActivityRegistered,
        upcasters={1: _activity_registered_v1_to_v2},
    )
    for model in (activities.ActivityUpdated, activities.ActivityWithdrawn, activities.InfoCompleted):
        catalog.register(topics.ACTIVITIES, reg, model)
    catalog.register(
        topics.CONTACTS,
        reg,
        restricted.ScienceWorkersListedV1,
        restricted.ScienceWorkersListed,
        upcasters={1: restricted.science_workers_listed_v1_to_v2},
    )
    catalog.register(topics.CAMPAIGNS, reg, key_activities.KeyActivitiesSignedOff)
    catalog.register(topics.CAMPAIGNS, reg, key_activities.KeyActivitiesReopened)
    catalog.register(topics.CONTACTS, reg, restricted.PasswordResetRequested)
    catalog.register(topics.PRIVACY, reg, privacy.PersonalDataErased)
    catalog.register(topics.PRIVACY, reg, privacy.ContactsViewed)
    catalog.register(topics.PARTICIPATION, reg, participation.ParticipationRecorded)
    catalog.register(topics.PARTICIPATION, reg, participation.FeedbackSubmitted)
    catalog.register(topics.ROUTES, reg, routes.RoutePublished)
    catalog.register(topics.ROUTES, reg, routes.RouteCheckedIn)
    for review_model in (
        reviews.ActivityApproved,
        reviews.ActivityRejected,
        reviews.Recommended,
        reviews.RecommendationEndorsed,
        reviews.RecommendationDeclined,
        reviews.RecommendationWithdrawn,
        reviews.UnitRecommended,
        reviews.Commended,
    ):
        catalog.register(topics.REVIEWS, rev, review_model)
    catalog.register(topics.REVIEWS, rev, summaries.SummaryDrafted)
    catalog.register(topics.REVIEWS, rev, summaries.SummarySubmitted)
    catalog.register(topics.NOTIFICATIONS, note, notifications.NotificationSent)
    catalog.register(topics.NOTIFICATIONS, note, notifications.NotificationFailed)
    return catalog


CATALOG = build_catalog()
