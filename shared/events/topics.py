"""The streams: one topic per family of related aggregates, keyed by aggregate id (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic and what it carries. ``restricted`` topics hold personal data in clear."""

    name: str
    description: str
    restricted: bool = False


CAMPAIGNS = Topic("kepuri.campaigns.v1", "Campaign configuration, keyed by campaign id")
UNITS = Topic(
    "kepuri.units.v1", "Organizer units (keyed by unit id; contacts masked) and accounts' audit (keyed by account id)"
)
ACTIVITIES = Topic("kepuri.activities.v1", "The activity lifecycle, keyed by activity id")
PARTICIPATION = Topic("kepuri.participation.v1", "Public check-ins and feedback, keyed by activity id")
ROUTES = Topic("kepuri.routes.v1", "Science routes and the public's check-ins along them, keyed by route id")
REVIEWS = Topic("kepuri.reviews.v1", "Content review, recommendations and commendations")
NOTIFICATIONS = Topic("kepuri.notifications.v1", "Delivery outcomes, recipients masked")
CONTACTS = Topic(
    "kepuri.restricted.contacts.v1",
    "Personal contact data (science workers), read only by the notification service",
    restricted=True,
)
PRIVACY = Topic(
    "kepuri.privacy.v1",
    "Erasures of personal data and staff reads of contacts in clear (audit), keyed by erasure or view id; "
    "no personal data",
)
DEAD_LETTERS = Topic("kepuri.deadletters.v1", "Events a consumer could not process, with the reason")

ALL_TOPICS: tuple[Topic, ...] = (
    CAMPAIGNS,
    UNITS,
    ACTIVITIES,
    PARTICIPATION,
    ROUTES,
    REVIEWS,
    NOTIFICATIONS,
    CONTACTS,
    PRIVACY,
    DEAD_LETTERS,
)
