"""What review's routes depend on, built once by the composition root (``bootstrap.build``)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.privacy import KeyVault
from shared.runtime import Backbone
from shared.web.auth import Verifier

from .service.commended import Commended
from .service.content_review import ContentReview
from .service.indicator_scores import Scores
from .service.ports import Clock
from .service.recommendation_lists import Lists
from .service.recommending import Recommendations
from .service.summary_overview import SummaryOverview
from .service.summary_reports import Summaries
from .settings import ReviewSettings


@dataclass
class Review:
    settings: ReviewSettings
    backbone: Backbone
    verifier: Verifier
    vault: KeyVault
    clock: Clock
    content: ContentReview
    recommendations: Recommendations
    lists: Lists
    scores: Scores
    summaries: Summaries
    summary_overview: SummaryOverview
    commended: Commended
