"""Summary reports (工作总结) as analytics sees them: each campaign's kinds of reporter (campaigns
stream) and each report's state (reviews stream), guarded by the report's version so that a
redelivered or older event never goes back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from shared.consumer import Delivery
from shared.events.payloads.campaigns import CampaignConfigured
from shared.events.payloads.summaries import SummaryDrafted, SummarySubmitted
from shared.events.topics import CAMPAIGNS, REVIEWS

from ..adapters.summary_reports import put_reports, put_steps


class SummariesProjection:
    name = "analytics.summaries"
    topics: tuple[str, ...] = (CAMPAIGNS.name, REVIEWS.name)

    def apply(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        steps: dict[str, dict[str, Any]] = {}
        reports: dict[str, dict[str, Any]] = {}
        for d in deliveries:
            payload, sequence = d.payload, d.envelope.sequence
            if isinstance(payload, CampaignConfigured):
                summary = payload.settings.get("summary")
                reporters = summary.get("reporters") if isinstance(summary, dict) else None
                steps[payload.campaign_id] = {
                    "campaign": payload.campaign_id,
                    "reporters": json.dumps(reporters if isinstance(reporters, list) else []),
                    "version": sequence,
                }
            elif isinstance(payload, SummaryDrafted | SummarySubmitted):
                known = reports.get(payload.summary_id)
                if known is not None and known["version"] >= sequence:
                    continue
                reports[payload.summary_id] = {
                    "summary_id": payload.summary_id,
                    "campaign": payload.campaign_id,
                    "reporter": payload.reporter,
                    "reporter_kind": payload.reporter_kind,
                    "region_code": payload.region_code,
                    "submitted": isinstance(payload, SummarySubmitted),
                    "version": sequence,
                }
        put_steps(connection, list(steps.values()))
        put_reports(connection, list(reports.values()))
