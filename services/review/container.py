"""What review's routes depend on, built once by the composition root (``bootstrap.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import Backbone
from shared.web.auth import Verifier

from .content import ContentReview
from .lists import Lists
from .recommending import Recommendations
from .scores import Scores
from .summaries import Summaries
from .summary_overview import SummaryOverview


@dataclass
class Review:
    backbone: Backbone
    verifier: Verifier
    content: ContentReview
    recommendations: Recommendations
    lists: Lists
    scores: Scores
    summaries: Summaries
    summary_overview: SummaryOverview
