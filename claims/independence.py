"""Whether a piece of evidence comes from an origin independent of the claim's speaker.

Independence is computed, never typed in, and has three values, each with the reason a
reviewer (or a newsroom) can read:

- dependent, when any path the evidence rests on leads back to the claim: the same speaker,
  the speaker's organization tree (through affiliations at the time), someone who relayed the
  claim itself, a chain that passes through the speaker or the speaker's tree (circular
  reporting), or the claim's own report and wire copies of it;
- unknown, when it rests on someone the desk cannot place: an unnamed speaker with no
  organization, or a document whose support nobody has attributed yet. The reason says what
  would settle it;
- independent, when every path is known and none leads back.

A document's support rests on whom the document attributes it to: the source the reviewer
named when adding it (the outlet itself for its own reporting), or else the speakers and
chains of the claims the desk has recorded in it. Nothing is assumed.
"""

from dataclasses import dataclass
from datetime import date

INDEPENDENT, DEPENDENT, UNKNOWN = "independent", "dependent", "unknown"


@dataclass(frozen=True)
class Independence:
    value: str
    code: str
    reason: str

    @property
    def independent(self) -> bool | None:
        """True, False, or None while unknown: what Evidence.independent stores."""
        return {INDEPENDENT: True, DEPENDENT: False}.get(self.value)

    def __bool__(self):
        return self.value == INDEPENDENT


@dataclass(frozen=True)
class _Path:
    """One way the evidence's content reaches us: who it started with, and everyone who carried it."""

    origin: object  # sources.models.Source
    on: date | None
    chain: tuple  # Sources after the origin, in order
    via: str  # how a reason names the path: "the Probe Wire article quotes"


def assess(evidence) -> "Independence":
    claim = evidence.claim
    speaker = claim.speaker
    speaker_trees = speaker.organization_trees(claim.said_on)
    claim_chains = [list(a.chain.all()) for a in claim.appearances.prefetch_related("chain__source")]
    claim_reports = _reports(claim)

    report = _same_report(evidence, claim_reports)
    if report is not None:
        return report

    unknown = None
    for path in _paths(evidence):
        found = _judge(path, speaker, speaker_trees, claim_chains)
        if found.value == DEPENDENT:
            return found
        if found.value == UNKNOWN and unknown is None:
            unknown = found
    if unknown is not None:
        return unknown
    return Independence(
        INDEPENDENT, "independent", f"independent of {speaker}: no shared speaker, organization, chain or report"
    )


def _dependent(code: str, reason: str) -> Independence:
    return Independence(DEPENDENT, code, f"not independent: {reason}")


def _unknown(code: str, reason: str) -> Independence:
    return Independence(UNKNOWN, code, f"independence unknown: {reason}")


def _paths(evidence) -> list[_Path]:
    if evidence.source_id:
        return [_Path(evidence.source, evidence.stated_on, (), "")]
    if evidence.evidence_claim_id:
        return _claim_paths(evidence.evidence_claim, "")
    document = evidence.document
    on = document.published_at.date() if document.published_at else None
    label = f"the {document.outlet} article “{document.title}”"
    if evidence.attributed_to_id:
        rests_on = evidence.attributed_to
        if rests_on.pk == document.outlet_id:
            return [_Path(rests_on, on, (), f"{label} is {document.outlet}'s own reporting: ")]
        return [_Path(rests_on, on, (document.outlet,), f"{label} attributes it to {rests_on}: ")]
    paths = []
    for appearance in document.appearances.select_related("claim__speaker").prefetch_related("chain__source"):
        links = [link.source for link in appearance.chain.all()]
        paths.append(_Path(appearance.claim.speaker, appearance.claim.said_on, tuple(links[1:]), f"{label} quotes "))
    if not paths:
        return [_Path(None, on, (), label)]
    return paths


def _claim_paths(claim, via: str) -> list[_Path]:
    chains = [[link.source for link in a.chain.all()] for a in claim.appearances.prefetch_related("chain__source")]
    if not chains:
        return [_Path(claim.speaker, claim.said_on, (), via)]
    return [_Path(claim.speaker, claim.said_on, tuple(chain[1:]), via) for chain in chains]


def _judge(path: _Path, speaker, speaker_trees: dict, claim_chains: list) -> Independence:
    origin = path.origin
    if origin is None:
        return _unknown(
            "unattributed_document",
            f"nobody has recorded whom {path.via} rests on; say whether it is the outlet's own reporting "
            "or name the source it quotes",
        )
    if origin.pk == speaker.pk:
        if path.via:  # a document or a chain that brings the speaker's own word back
            return _dependent("circular", f"circular: {path.via}{speaker}")
        return _dependent("same_speaker", f"same speaker as the claim ({speaker})")
    origin_trees = origin.organization_trees(path.on)
    shared = set(origin_trees) & set(speaker_trees)
    if shared:
        names = ", ".join(sorted(str(speaker_trees[pk]) for pk in shared))
        who = f"{path.via}{origin}, of " if path.via else ""
        return _dependent("same_organization", f"{who}same organization tree as the speaker ({names})")
    for chain in claim_chains:
        if any(link.source_id == origin.pk for link in chain[1:]):
            return _dependent("relayed_claim", f"{path.via}{origin} relayed this claim ({_chain_text(chain)})")
    for carrier in path.chain:
        if carrier.pk == speaker.pk or set(carrier.organization_trees(path.on)) & set(speaker_trees):
            carried = " → ".join(str(s) for s in (origin, *path.chain))
            return _dependent(
                "circular",
                f"{path.via}its own chain passes through the speaker or the speaker's organization ({carried})",
            )
    if origin.kind == origin.Kind.UNNAMED and not origin_trees:
        return _unknown(
            "unknown_source",
            f"{path.via}{origin} is an unnamed source with no organization recorded; say whom “{origin}” work for",
        )
    return Independence(INDEPENDENT, "independent", "")


def _chain_text(chain) -> str:
    return " → ".join(str(link.source) for link in chain)


def _reports(claim) -> dict:
    """The claim's documents by the id of the original report each republishes (or is)."""
    return {a.document.original_report().pk: a.document for a in claim.appearances.select_related("document")}


def _same_report(evidence, claim_reports: dict) -> Independence | None:
    """Dependent when the evidence is the claim's own report, or a wire copy of it, or an
    unnamed speaker quoted there; None when this rule does not decide."""
    if not claim_reports:
        return None
    own = set(evidence.claim.appearances.values_list("document_id", flat=True))
    hashes = {d.text_sha256: d for d in claim_reports.values() if d.text}

    def report_of(document):
        original = document.original_report()
        if original.pk in claim_reports:
            return claim_reports[original.pk]
        return hashes.get(document.text_sha256) if document.text else None

    if evidence.document_id:
        report = report_of(evidence.document)
        if report is None:
            return None
        if evidence.document_id in own:
            return _dependent("same_report", f"it is the claim's own report ({report})")
        return _dependent("same_report", f"the same original report republished ({report}); wire copy counts once")
    if not evidence.evidence_claim_id:
        return None
    cited = evidence.evidence_claim
    documents = [a.document for a in cited.appearances.select_related("document")]
    reports = [report_of(d) for d in documents]
    if cited.speaker.kind == cited.speaker.Kind.UNNAMED:
        found = next((r for r in reports if r is not None), None)
        if found is not None:
            return _dependent(
                "same_report", f"{cited.speaker} are quoted in the same report as the claim ({found}), unnamed"
            )
        return None
    # A named speaker quoted in the claim's own report speaks for themself there; what counts
    # once is the same report carried again by another outlet.
    others = [(d, r) for d, r in zip(documents, reports, strict=True) if d.pk not in own]
    if others and all(r is not None for _, r in others):
        return _dependent(
            "same_report", f"the same original report republished ({others[0][1]}); wire copy counts once"
        )
    return None
