"""How long any cache (a browser, a CDN, a proxy) may keep each public read of registration, and why.

The directory is a view of the streams: an approval reaches it after review's outcome is consumed, and
everyone asking the same search already shares one answer for a second (``Directory.shared``). A few
seconds more are invisible to a visitor and let a cache in front ask the server again at most once per
``max_age`` per address, whatever the crowd behind it; ``stale_while_revalidate`` lets it keep answering
while it asks. docs/registration.md lists them.
"""

from __future__ import annotations

from shared.web.conditional import PRIVATE, Freshness

# Searches and near-me: lists a visitor scans; a new activity or a check-in count shows within 15 s.
SEARCH = Freshness(max_age=5, stale_while_revalidate=10)
# An activity's page and its showcase: check-ins and the live stream's state move while people watch,
# so a short age; the page is read far more often than it changes.
ACTIVITY = Freshness(max_age=2, stale_while_revalidate=5)
# The divisions (GB/T 2260) are packaged data: they change only with a release.
REGIONS = Freshness(max_age=86_400, stale_while_revalidate=86_400)
# A science route's page asks for the route again the moment its visitor completes it, to show the
# completions its own check-in just added: any cache may keep it, but asks again every time (a 304 when
# nothing changed).
ROUTES = Freshness(max_age=0)
# A visitor's own progress on a route changes with each of its check-ins: its browser only, revalidated.
PROGRESS = PRIVATE
