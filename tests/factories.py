"""The test data builders, for the test suites: they live in :mod:`harness.factories` and
:mod:`harness.events` (bench uses them too); new code imports them from there."""

from harness.events import activity_registered, activity_withdrawn, message
from harness.factories import (
    CAMPAIGN,
    PASSWORD,
    PROVINCES,
    activity_body,
    open_campaign,
    organizer_headers,
    prepare_registration,
)

__all__ = [
    "CAMPAIGN",
    "PASSWORD",
    "PROVINCES",
    "activity_body",
    "activity_registered",
    "activity_withdrawn",
    "message",
    "open_campaign",
    "organizer_headers",
    "prepare_registration",
]
