"""The report's own hedges: "The figures could not be independently confirmed"."""

import re
from bisect import bisect_right

from intake.extraction.text import Span, split_paragraphs, split_sentences

HEDGE = re.compile(
    r"\b(?:"
    r"(?:could|can|cannot|can't|couldn't|could\s+not|was\s+not|were\s+not|has\s+not|have\s+not|had\s+not|"
    r"not\s+been|not\s+be|not)\s+(?:be\s+|been\s+)?(?:immediately\s+|yet\s+)?independently\s+"
    r"(?:confirmed|verified|corroborated|confirm|verify|corroborate)"
    r"|could\s+not\s+(?:be\s+)?(?:immediately\s+)?(?:confirmed|verified|confirm|verify)"
    r"|there\s+(?:was|has\s+been|is)\s+no\s+(?:immediate\s+)?(?:independent\s+)?(?:confirmation|verification)"
    r"|(?:it\s+)?(?:was|is|has\s+not\s+been)\s+(?:not\s+)?(?:impossible|not\s+possible|not\s+immediately\s+possible)\s+"
    r"to\s+(?:independently\s+)?(?:verify|confirm)"
    r"|(?:was|were|is|are)\s+unable\s+to\s+(?:independently\s+)?(?:verify|confirm)"
    r"|(?:has|have)\s+not\s+been\s+able\s+to\s+(?:independently\s+)?(?:verify|confirm)"
    r"|unverified|could\s+not\s+be\s+reached\s+to\s+confirm"
    r")",
    re.IGNORECASE,
)
# Every alternative of HEDGE holds one of these words, and this is far cheaper to search for:
# a paragraph without one cannot hold a hedge.
HEDGE_WORD = re.compile(r"c(?:onfirm|orroborat)|verif", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r"[,;]\s+(?:but|and|though|although|while|as)?\b|;")


def hedges_in(text: str, paragraphs: list[Span] | None = None) -> list[dict]:
    """Each hedge with its paragraph and sentence: {"text", "start", "end", "sentence", "paragraph"}.
    `paragraphs` is `split_paragraphs(text)`, when the caller has it already."""
    found = []
    for number, paragraph in enumerate(split_paragraphs(text) if paragraphs is None else paragraphs):
        if not HEDGE_WORD.search(text, paragraph.start, paragraph.end):
            continue
        body = text[paragraph.start : paragraph.end]
        if not HEDGE.search(body):
            continue
        for sentence in split_sentences(text, paragraph):
            match = HEDGE.search(text, sentence.start, sentence.end)
            if match is None:
                continue
            span = _clause(text, sentence, match)
            hedge = {"text": text[span.start : span.end], "start": span.start, "end": span.end}
            found.append({**hedge, "sentence": sentence, "paragraph": number})
    return found


def _clause(text: str, sentence: Span, match: re.Match) -> Span:
    """The clause that holds the hedge: "The figures could not be independently confirmed" of
    "The figures could not be independently confirmed, but IS militants have ..."."""
    start = sentence.start
    for brk in CLAUSE_BREAK.finditer(text, sentence.start, match.start()):
        start = brk.end()
    end = sentence.end
    after = CLAUSE_BREAK.search(text, match.end(), sentence.end)
    if after is not None:
        end = after.start()
    while end > start and text[end - 1] in " .!?\"”'’)\n\t":
        end -= 1
    while start < end and text[start] in " \n\t":
        start += 1
    return Span(start, end)


def attach_hedges(
    text: str, candidates: list[dict], others: list[dict] = (), paragraphs: list[Span] | None = None
) -> None:
    """Give each candidate the hedge that applies to it: one in its own sentence, else one in
    its paragraph, else one standing alone in the next paragraph ("The figures could not be
    independently confirmed." after the paragraph that gave them). `others` are the rest of the
    article's candidates: a paragraph holding claims of its own keeps its hedge to them.
    `paragraphs` is `split_paragraphs(text)`, when the caller has it already."""
    for candidate in candidates:
        candidate["hedge"] = None
    paragraphs = split_paragraphs(text) if paragraphs is None else paragraphs
    hedges = hedges_in(text, paragraphs)
    if not hedges:
        return
    starts = [p.start for p in paragraphs]

    def paragraph_of(position: int) -> int:
        return max(0, bisect_right(starts, position) - 1)

    held = {paragraph_of(c["start"]) for c in [*candidates, *others]}
    # Hedges by paragraph, in text order: scanning every hedge for every candidate was quadratic
    # in the length of the text. A sentence lies inside its paragraph, so a hedge whose sentence
    # holds the candidate's start is one of the candidate's own paragraph.
    by_paragraph: dict[int, list[dict]] = {}
    for hedge in hedges:
        by_paragraph.setdefault(hedge["paragraph"], []).append(hedge)
    for candidate in candidates:
        number, start = paragraph_of(candidate["start"]), candidate["start"]
        here = by_paragraph.get(number, [])
        own = [h for h in here if h["sentence"].start <= start <= h["sentence"].end]
        same = [h for h in here if h["start"] >= start] or here
        following = by_paragraph.get(number + 1, []) if number + 1 not in held else []
        chosen = (own or same or following or [None])[0]
        if chosen is not None:
            candidate["hedge"] = {k: chosen[k] for k in ("text", "start", "end")}


def hedge_for(text: str, start: int, end: int, others: list[dict] = ()) -> dict | None:
    """The hedge that applies to the passage text[start:end] (an accepted candidate's)."""
    probe = [{"start": start, "end": end}]
    attach_hedges(text, probe, others)
    return probe[0]["hedge"]
