"""The tracker's domain: claims, their figures, appearances and evidence, verdicts, and the
newsroom feed. One module per model or close group; import them from here."""

from claims.models.appearances import Appearance, ChainLink
from claims.models.candidates import Candidate
from claims.models.claim import Claim, ClaimQuerySet
from claims.models.events import Event
from claims.models.evidence import Evidence
from claims.models.feed import ChangeSequence, ClaimChange
from claims.models.figures import Figure
from claims.models.keys import NewsroomKey
from claims.models.ratings import RatingMap
from claims.models.rendering import ClaimRendering
from claims.models.status import (
    NEEDS_SUCCESSOR,
    STATUS_DEFINITIONS,
    UNCONDITIONAL_STATUSES,
    VERDICT_STATUSES,
    Status,
    status_choices,
)
from claims.models.verdicts import Verdict, VerdictQuerySet

__all__ = [
    "NEEDS_SUCCESSOR",
    "STATUS_DEFINITIONS",
    "UNCONDITIONAL_STATUSES",
    "VERDICT_STATUSES",
    "Appearance",
    "Candidate",
    "ChainLink",
    "ChangeSequence",
    "Claim",
    "ClaimChange",
    "ClaimQuerySet",
    "ClaimRendering",
    "Event",
    "Evidence",
    "Figure",
    "NewsroomKey",
    "RatingMap",
    "Status",
    "Verdict",
    "VerdictQuerySet",
    "status_choices",
]
