"""The reviewers' admin, one module per page: the review queue and claim page, appearances,
figures, evidence, verdicts, events with their chart, candidates, sources and documents, and
access (newsroom keys, lockouts). Importing this package registers them all."""

from review.admin import (  # noqa: F401  (each module registers its pages)
    access,
    appearances,
    candidates,
    claims,
    events,
    evidence,
    figures,
    sources,
    verdicts,
)
