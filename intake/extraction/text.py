"""Paragraphs, sentences, clauses and quotes, with character offsets into the input."""

import re
from dataclasses import dataclass

# Abbreviations that end with a period inside a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "sen", "rep", "gov", "prof",
    "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "no", "vs", "etc", "u.s", "u.n",
    "u.k", "e.g", "i.e", "inc", "co", "corp", "ltd", "jr", "sr", "rev", "ft", "mt",
}  # fmt: skip
LOWER_NEXT = re.compile(r"\s+[a-z0-9]")
NAME_NEXT = re.compile(r" [A-Z][a-z]+\b")
# A full stop with no space before a capitalised word ("Statistics.Private") ends a sentence the
# copy ran together; "U.S." and "3.5" do not.
SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+|$)|\.(?<=[a-z]{3}\.)["”]?(?=["“]?[A-Z][a-z])""")
QUOTE = re.compile(r"""["“”]([^"“”\n]{1,5000}?)(?:["“”]|(?=\n)|$)""")


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def split_paragraphs(text: str) -> list[Span]:
    """Each non-empty line is a paragraph: news text puts one paragraph on a line."""
    spans, position = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            offset = line.index(stripped[0])
            spans.append(Span(position + offset, position + offset + len(stripped)))
        position += len(line) + 1
    return spans


def split_sentences(text: str, paragraph: Span) -> list[Span]:
    body = text[paragraph.start : paragraph.end]
    spans, begin = [], 0
    for match in SENTENCE_END.finditer(body):
        end = match.end()
        if match.group().startswith("."):
            word_start = max(body.rfind(" ", begin, match.start()), body.rfind("\n", begin, match.start())) + 1
            word = body[word_start : match.start()].strip('("“')
            if word.lower() in ABBREVIATIONS:
                continue
            if len(word) == 1 and word.isupper() and match.group() == "." and NAME_NEXT.match(body, end):
                continue  # "Thomas E. Perez": an initial, not the end of a sentence
        if match.group() == "." and LOWER_NEXT.match(body, end):
            continue  # "2.5 million", "U.S. officials" and the like: the next word is not a new sentence
        chunk = body[begin:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append(Span(paragraph.start + begin + lead, paragraph.start + end))
        begin = end
    tail = body[begin:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        spans.append(Span(paragraph.start + begin + lead, paragraph.start + len(body.rstrip())))
    return spans


def word_alternation(words) -> str:
    """A regex group matching exactly the given words, spelled as a trie ("a(?:bout|bove)"
    rather than "about|above"). It matches the same strings, but Python's re then tests a
    failing position against a letter or two instead of against every word in turn, which
    matters for big case-insensitive alternations tried at every position of the text. Use it
    only where at most one word can match at a position (words ending at a word boundary):
    a trie does not keep the alternation's order of preference."""
    heads: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        heads.setdefault(word[:1], []).append(word[1:])
    parts = []
    for head, tails in heads.items():
        if not head:
            continue
        rest = [tail for tail in tails if tail]
        if not rest:
            parts.append(re.escape(head))
        elif len(rest) < len(tails):
            parts.append(f"{re.escape(head)}{word_alternation(rest)}?")
        else:
            parts.append(f"{re.escape(head)}{word_alternation(rest)}")
    return "(?:" + "|".join(parts) + ")"


def quotes_in(text: str, span: Span) -> list[Span]:
    """Quoted passages inside a sentence (the words between the marks)."""
    body = text[span.start : span.end]
    return [Span(span.start + m.start(1), span.start + m.end(1)) for m in QUOTE.finditer(body) if m.group(1).strip()]
