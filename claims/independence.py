"""Whether a piece of evidence comes from an origin independent of the claim's speaker.

Independence is computed, never typed in, and every answer carries the reason a reviewer
(or a newsroom) can read. Evidence is not independent when it is:

- the same speaker;
- from the same organization tree as the speaker, through affiliations at the time;
- from someone who relayed the claim itself (the relayer cannot confirm what it passed on);
- carried to us through the speaker (circular reporting);
- the same original report republished elsewhere (wire copy counts once).
"""

from dataclasses import dataclass

from claims.models import ChainLink, Claim, Evidence


@dataclass(frozen=True)
class Independence:
    independent: bool
    code: str
    reason: str

    def __bool__(self):
        return self.independent


def assess(evidence: Evidence) -> Independence:
    claim = evidence.claim
    speaker = claim.speaker
    origin = evidence.origin

    if origin.pk == speaker.pk:
        return _dependent("same_speaker", f"same speaker as the claim ({speaker})")

    shared = set(origin.organization_trees(evidence.origin_date)) & set(speaker.organization_trees(claim.said_on))
    if shared:
        trees = speaker.organization_trees(claim.said_on)
        names = ", ".join(sorted(str(trees[pk]) for pk in shared))
        return _dependent("same_organization", f"same organization tree as the speaker ({names})")

    for appearance in claim.appearances.prefetch_related("chain__source"):
        chain = list(appearance.chain.all())
        if any(link.source_id == origin.pk for link in chain[1:]):
            return _dependent("relayed_claim", f"{origin} relayed this claim ({_chain_text(chain)})")

    if evidence.evidence_claim_id:
        for chain in _chains(evidence.evidence_claim):
            if any(link.source_id == speaker.pk for link in chain[1:]):
                return _dependent("circular", f"its own chain passes through the speaker ({_chain_text(chain)})")

    repeated = _republished_report(evidence, claim)
    if repeated is not None:
        return _dependent("same_report", f"the same original report republished ({repeated}); wire copy counts once")

    return Independence(
        True, "independent", f"independent of {speaker}: no shared speaker, organization, chain or report"
    )


def _dependent(code: str, reason: str) -> Independence:
    return Independence(False, code, f"not independent: {reason}")


def _chains(claim: Claim) -> list[list[ChainLink]]:
    return [list(a.chain.all()) for a in claim.appearances.prefetch_related("chain__source")]


def _chain_text(chain: list[ChainLink]) -> str:
    return " → ".join(str(link.source) for link in chain)


def _republished_report(evidence: Evidence, claim: Claim):
    """The claim's original report that the evidence merely republishes, if it does."""
    if evidence.document_id:
        documents = [evidence.document]
    elif evidence.evidence_claim_id:
        documents = [a.document for a in evidence.evidence_claim.appearances.select_related("document")]
    else:
        return None
    claim_documents = [a.document for a in claim.appearances.select_related("document")]
    # Another speaker quoted in the claim's own report is not a copy of it: judge only other documents.
    own = {d.pk for d in claim_documents}
    documents = [d for d in documents if d.pk not in own]
    if not documents or not claim_documents:
        return None
    originals = {d.original_report().pk: d.original_report() for d in claim_documents}
    hashes = {d.text_sha256 for d in claim_documents if d.text}
    copies = []
    for document in documents:
        original = document.original_report()
        if original.pk in originals:
            copies.append(originals[original.pk])
        elif document.text and document.text_sha256 in hashes:
            copies.append(next(d for d in claim_documents if d.text_sha256 == document.text_sha256))
        else:
            return None  # it also stands somewhere that is not a copy of the claim's report
    return copies[0]
