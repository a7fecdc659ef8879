"""Every change of state in the tracker's domain, one function each.

The admin, the API, intake, the exchange formats, the seed loader and the management commands
all call these; none of them writes claims, figures, appearances, evidence, verdicts or
documents around them. Each function locks what it changes, checks the rule, writes, bumps the
claim's version and records who did it and why in the audit history.

One module per kind of change; import them from here: `from claims import services`.
"""

from claims.services.documents import record_document, refuse_long_article, save_document
from claims.services.evidence import (
    add_evidence,
    flag_for_review,
    reassess_independence,
    refresh_independence,
    refresh_independence_around,
    remove_evidence,
)
from claims.services.recording import (
    assign_claim,
    delete_claim,
    delete_event,
    delete_figure,
    record_appearance,
    record_claim,
    remove_appearance,
    save_figure,
    update_claim,
)
from claims.services.sources import delete_affiliation, save_affiliation, save_source
from claims.services.verdicts import propose_verdict, publish_verdict
from claims.services.verification_notes import set_verification_note
from claims.services.writes import (
    CLAIM_FIELDS,
    FIGURE_FIELDS,
    NestedValidationError,
    parse_version,
    refuse_stale,
    run_by,
)

__all__ = [
    "CLAIM_FIELDS",
    "FIGURE_FIELDS",
    "NestedValidationError",
    "add_evidence",
    "assign_claim",
    "delete_affiliation",
    "delete_claim",
    "delete_event",
    "delete_figure",
    "flag_for_review",
    "parse_version",
    "propose_verdict",
    "publish_verdict",
    "reassess_independence",
    "record_appearance",
    "record_claim",
    "record_document",
    "refresh_independence",
    "refresh_independence_around",
    "refuse_long_article",
    "refuse_stale",
    "remove_appearance",
    "remove_evidence",
    "run_by",
    "save_affiliation",
    "save_document",
    "save_figure",
    "save_source",
    "set_verification_note",
    "update_claim",
]
