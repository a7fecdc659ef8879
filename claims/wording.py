"""Suggested attribution wording for a copy editor, following the chain and the published status.

"at least 500 people (civilians and military) were killed, according to Muhannad Haimour
(spokesman, Anbar provincial government), as reported by Associated Press; the figure could
not be independently confirmed."
"""

from claims.models import Claim, Figure, Status

QUALIFIER_WORDS = {
    Figure.Qualifier.EXACT: "",
    Figure.Qualifier.AT_LEAST: "at least ",
    Figure.Qualifier.MORE_THAN: "more than ",
    Figure.Qualifier.AT_MOST: "as many as ",
    Figure.Qualifier.APPROXIMATELY: "about ",
}
PREDICATES = {
    Figure.Metric.KILLED: "were killed",
    Figure.Metric.WOUNDED: "were wounded",
    Figure.Metric.DISPLACED: "were displaced",
    Figure.Metric.ARRESTED: "were arrested",
    Figure.Metric.MISSING: "were missing",
    Figure.Metric.DEPLOYED: "arrived",
}
VERIFICATION = {
    Status.UNREVIEWED: "it has not yet been verified",
    Status.UNCONFIRMED: "could not be independently confirmed",
    Status.CONFIRMED: "has been independently confirmed",
    Status.DISPUTED: "is disputed by an independent source",
    Status.FALSE: "has been shown to be false",
    Status.SUPERSEDED: "has since been revised by the same source",
    Status.RETRACTED: "has since been withdrawn",
}


def attribution_text(claim: Claim, chain: list | None = None, role: str = "", note: str = "") -> str:
    """`chain` is the first appearance's chain of (source name) from origin to outlet; `note` is
    that appearance's verification note, given while the claim has no published verdict: the
    report's own hedge then says what is known of its verification."""
    chain = chain or [claim.speaker.name]
    figures = list(claim.figures.all())
    what = _figures_phrase(figures) if figures and claim.kind == Claim.Kind.FIGURE else None
    if what is None:
        what = claim.text.rstrip(". ")
    speaker = f"{claim.speaker.name} ({role})" if role else claim.speaker.name
    words = f"{what}, according to {speaker}"
    relayers, outlet = chain[1:-1], chain[-1] if len(chain) > 1 else None
    if relayers:
        words += ", as relayed by " + " and ".join(relayers)
    reported = bool(outlet) and outlet != claim.speaker.name
    if reported:
        words += f", as reported by {outlet}"
    hedge = report_note(note)
    if hedge:
        return f"{words}, which said {hedge}." if reported else f"{words}; the report said {hedge}."
    noun = "the figure" if what is not claim.text and figures else "the claim"
    verification = VERIFICATION[Status(claim.status)]
    if claim.status == Status.UNREVIEWED:
        return f"{words}; {verification}."
    return f"{words}; {noun} {verification}."


UPPER, LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


def report_note(note: str) -> str:
    """The note as a clause: "The figures could not be independently confirmed." reads "the
    figures could not be independently confirmed"; "UN figures ..." keeps its capitals.
    Its SQL twin is in claims.bulk_rendering.ATTRIBUTION_TEXT."""
    note = note.strip(" ").rstrip(". ")
    if note[:1] and note[:1] in UPPER and note[1:2] and note[1:2] in LOWER:
        note = LOWER[UPPER.index(note[0])] + note[1:]
    return note


def _figures_phrase(figures: list[Figure]) -> str | None:
    parts = []
    for figure in figures:
        predicate = PREDICATES.get(figure.metric)
        if predicate is None or figure.unit != Figure.Unit.PEOPLE:
            return None
        if figure.qualifier == Figure.Qualifier.VAGUE:
            amount = figure.vague_text
        elif figure.qualifier == Figure.Qualifier.RANGE:
            amount = f"between {figure.low_text} and {figure.high_text}"
        else:
            amount = QUALIFIER_WORDS[figure.qualifier] + (
                figure.low_text if figure.low is not None else figure.high_text
            )
        who = "people" if figure.population in ("", "people") else f"people ({figure.population})"
        parts.append(f"{amount} {who} {predicate}")
    return " and ".join(parts)
