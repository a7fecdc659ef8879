"""Candidate attributed claims in English news text, for a reviewer to accept, edit or reject.

Pure Python, no model and no network. `extract(text)` returns candidates shaped as the
`extract_claims` command prints them:

    {text, start, end, cue, quote, said_on,
     speaker: {mention, start, end, name, source_id, named},
     figures: [{text, start, end, qualifier, low, high, metric, population, vague_text, unit,
                period_start, period_end, kind, currency, measure}],
     hedge: {text, start, end} | None}

`hedge` is the report's own note on verification that applies to the candidate ("The figures
could not be independently confirmed"), with its span.

Offsets are character offsets into the text given. A speaker is resolved by the optional
`resolve(name)` callable (to a Source id); a pronoun refers back to the last named speaker.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import date, timedelta

from intake.extraction.attribution import (
    CUE,
    NAME_RUN,
    NAME_TOKEN,
    NEEDS_THAT,
    ORGANIZATION_WORDS,
    PRONOUNS,
    THAT_FOLLOWS,
    TIME_WORDS,
    clean,
    is_name,
    name_in,
    plausible_speaker,
    share_of,
    speaker_after,
    subject_before,
)
from intake.extraction.hedges import attach_hedges
from intake.extraction.numbers import figures_in, last_metric
from intake.extraction.text import Span, quotes_in, split_paragraphs, split_sentences

Resolver = Callable[[str], tuple[int | None, str]]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]  # fmt: skip
DAY_PHRASE = re.compile(r"\b(?:(since|on|from|by|late|early)\s+)?(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
MONTH_PHRASE = re.compile(r"\b(?:in|since|during|last)\s+(" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
MAX_CUES = 12  # per sentence
THAT_OR_TO = re.compile(r"\s*(?:that|to)\b")
TAIL = re.compile(r"\s*,\s*(?:adding|saying|with|and|while|noting)\b")
NOT_A_CUE = re.compile(r"\b(?:an?|the|its|their|his|her|was|were|been|being|be|is|are)\s+$", re.IGNORECASE)
LOOK_BACK = 400  # characters searched for a speaker before a cue
# No character outside these can be part of a name run (NAME_TOKEN and the spaces between):
# see _surname_runs.
NAME_BARRIER = re.compile(r"[^\w\s'’.\-]")
TRIVIAL_REST = re.compile(r"^[\s,.;:!?\"“”'’)\]-]*$")
# Compiled once here rather than looked up in re's cache for every cue and figure.
SHORT_REST = re.compile(r"\s*[\w.'’ -]{0,40}[.!?]?[\"”]?\s*")
THAT = re.compile(r"\bthat\b")
OPENS_CLAUSE = re.compile(
    r"\s*,|\s*(?:while|as(?!\s+(?:many|much|few|little|high|low)\b)|when|but|and|after|before|"
    r"because|although|though|whereas|even)\b"
)
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
PASSIVE_AUX = re.compile(r"\b(?:was|were|been|is|are|being)\s+(?:also\s+|first\s+)?$", re.IGNORECASE)
BY_AFTER = re.compile(r"\s+by\s+(?=\w)")
PROGRESSIVE = re.compile(r"\b(?:was|were|been|is|are)\s+$", re.IGNORECASE)  # "had been expecting"
PARTICIPLE_PHRASE = re.compile(
    r"\s+(?:delayed|released|published|issued|seen|obtained|compiled|prepared|posted|carried|distributed)\b[^,.;]*"
)
QUOTE_MARK = re.compile(r"[\"“”]")
OPENING_MARK = re.compile(r"[\"“](?=[A-Z‘'])")
CLOSES = re.compile(r"[\w.,!?][\"”]\s*(?:said|says|he|she|they|[A-Z])")
QUOTE_OPENS = re.compile(r"\s*[,:]\s*(?=[\"“])")
QUOTE_CLOSED = re.compile(r"[,!?]\s*[\"”]\s*$")  # '"We will win," ' just before the speaker
SAYING = re.compile(r"\s*,\s*(?:adding|saying|noting)\b(?:\s*[,:])?(?:\s+that\b)?\s*")
SAYING_WORD = re.compile(r"adding|saying|noting")
ESTIMATE = re.compile(r"\bestimat", re.IGNORECASE)


class NulInText(ValueError):
    """The text holds NUL: no document can store it, so no offsets into it can hold."""


def extract(text: str, published: date | None = None, resolve: Resolver | None = None) -> list[dict]:
    """Offsets are into `text` as given: pass the stored (normalised) text of a document, or
    `sources.text.normalised_text(raw)`, so they point into what is kept."""
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", errors="replace")
    if "\x00" in text:
        raise NulInText(f"The text holds a NUL byte (at character {text.index(chr(0)):,}): give it as plain text.")
    extractor = _Extractor(text, published, resolve)
    paragraphs = split_paragraphs(text)  # split once: the hedges are found by paragraph too
    for paragraph in paragraphs:
        extractor.paragraph(paragraph)
    candidates = sorted(extractor.candidates, key=lambda c: (c["start"], c["end"]))
    attach_hedges(text, candidates, paragraphs=paragraphs)
    return candidates


class _Extractor:
    def __init__(self, text: str, published: date | None, resolve: Resolver | None):
        self.text, self.published, self.resolve = text, published, resolve
        self.candidates: list[dict] = []
        self.last_named: dict | None = None
        self.quoting: dict | None = None
        self.last_speaker: dict | None = None
        self.full_names: dict[str, str] = {}  # surname -> full name, as named earlier in the text
        self._resolved: dict[str, tuple[int | None, str]] = {}
        self._surnames: dict[str, list[tuple[int, str]]] = {}
        self._barriers: list[int] | None = None
        self.quotes: list[Span] = []
        self.quote_starts: list[int] = []

    def paragraph(self, paragraph: Span) -> None:
        sentences = split_sentences(self.text, paragraph)
        # Quotes are read over the whole paragraph: a quotation of several sentences is one
        # passage, and its closing mark in the sentence that names the speaker closes it there.
        self.quotes = quotes_in(self.text, paragraph)
        first = QUOTE_MARK.search(self.text, paragraph.start, self.quotes[0].start) if self.quotes else None
        if first and first.start() > paragraph.start and CLOSES.match(self.text, first.start() - 1):
            # 'The economy continues on the road to recovery," said Perez.': the copy lost the
            # opening mark; the quote runs from the paragraph's start.
            reopened = OPENING_MARK.search(self.text, first.start() + 1, paragraph.end)
            rest = quotes_in(self.text, Span(reopened.start(), paragraph.end)) if reopened else []
            self.quotes = [Span(paragraph.start, first.start()), *rest]
        self.quote_starts = [q.start for q in self.quotes]
        # The speaker of a quote this paragraph carries on: a paragraph that opens with a quote
        # mark continues the quote of the paragraph before it.
        opens_quoted = self.text[paragraph.start : paragraph.start + 1] in '"“'
        quoting: dict | None = self.quoting if opens_quoted else None
        waiting: list[Span] = []  # unattributed sentences a closing attribution may cover
        for sentence in sentences:
            found = self._attributions(sentence)
            if found:
                for attribution in found:
                    content, within = attribution["content"], sentence
                    opened = self._quote_at(content.start)
                    if opened is not None and opened.start < sentence.start and attribution["trailing"]:
                        # '"We have a squad. ... We get punished," said Miranda': the quotation
                        # from its opening mark is what was said, one statement.
                        within = Span(max(paragraph.start, opened.start - 1), sentence.end)
                        content = Span(within.start, content.end)
                        waiting = [w for w in waiting if w.end <= within.start]
                        self.candidates = [
                            c for c in self.candidates if c["cue"] is not None or c["start"] < within.start
                        ]  # a quote carried on from the speaker before, now attributed whole
                    self._add(content, attribution["speaker"], attribution["cue"], within)
                last = found[-1]
                if last["trailing"]:
                    for earlier in waiting:
                        self._add(earlier, last["speaker"], last["cue"], earlier, framed=True)
                waiting = []
                quoting = last["speaker"] if self._quotes_within(sentence.start, sentence.end) else quoting
            elif quoting is not None and self._is_quoted(sentence):
                if not self._continue_quotation(sentence):
                    self._add(sentence, quoting, None, sentence, framed=True)
            else:
                waiting.append(sentence)
        self.quoting = quoting

    def _person_before(self, position: int) -> dict | None:
        """The last person named shortly before a pronoun, with or without a cue of their own:
        "Governor Lena Ortiz toured the area. She said ..."."""
        window_start = max(0, position - 600)
        found = None
        for run in NAME_RUN.finditer(self.text, window_start, position):
            name, named = name_in(run.group())
            if named and len(name.split()) >= 2 and not CUE.search(run.group()) and not ORGANIZATION_WORDS.search(name):
                found = (run.start(), name)
        if found is None:
            return None
        source_id, resolved = self._resolve(found[1], found[1])
        self.full_names[resolved.split()[-1]] = resolved
        return {"name": resolved, "source_id": source_id, "named": True, "at": found[0]}

    # One sentence

    def _attributions(self, sentence: Span) -> list[dict]:
        text = self.text
        cues: list[re.Match] = []
        previous = None
        quoted = self._quote_at if self.quotes else None
        for m in CUE.finditer(text, sentence.start, sentence.end):
            at = m.start()
            if quoted is not None and quoted(at) is not None:
                continue
            if (
                NOT_A_CUE.search(text, max(0, at - 12), at)
                and not self._passive_by(m)
                and not (m.group().endswith("ing") and PROGRESSIVE.search(text, max(0, m.start() - 8), m.start()))
            ):
                continue  # "an estimated 40,000" is a figure's qualifier; "were reported killed" is passive
            if m.group().lower() in NEEDS_THAT and not THAT_FOLLOWS.match(text, m.end()):
                continue
            if previous is not None and text[previous.end() : m.start()].strip():
                cues.append(previous)
                if len(cues) == MAX_CUES:  # a run-on "sentence" of cues is noise, and must stay linear
                    previous = None
                    break
            # "Unconfirmed reports indicate that ...": a cue word right before another is a noun.
            previous = m
        if previous is not None:
            cues.append(previous)
        if not cues:
            return []
        # A cue with no speaker ("he's long said") is no boundary between clauses: drop it first.
        probes = [(c, self._attribution(sentence, c, sentence.start, sentence.end, probe=True)) for c in cues]
        probes = [(c, p) for c, p in probes if p]
        found, clause_start = [], sentence.start
        for index, (cue, _) in enumerate(probes):
            # A clause runs up to where the next attribution's speaker begins.
            next_start = probes[index + 1][1]["boundary"] if index + 1 < len(probes) else sentence.end
            attribution = self._attribution(sentence, cue, clause_start, next_start)
            if (
                attribution is not None
                and found
                and cue.group().lower() == "according to"
                and TRIVIAL_REST.match(self.text[clause_start : cue.start()])
            ):
                # "..., a doctor said, according to Reuters.": the outlet that reports is the
                # chain's end, not the speaker of a claim of its own.
                continue
            if attribution is not None:
                found.append(attribution)
                clause_start = max(attribution["content"].end, attribution["speaker"]["end"], cue.end())
                tail = attribution.pop("tail", None)
                if tail is not None:
                    # "..., he said, adding that 20 drowned": a second statement of the same speaker.
                    found.append({**attribution, **tail})
                    clause_start = max(clause_start, tail["content"].end)
        return found

    def _attribution(
        self, sentence: Span, cue: re.Match, clause_start: int, next_start: int, probe: bool = False
    ) -> dict | None:
        text = self.text
        word = cue.group().lower()
        clause_start = max(clause_start, cue.start() - LOOK_BACK)
        passive = self._passive_by(cue)
        if passive is not None:
            # "The new death toll was announced by Mexico's emergency services chief": the
            # speaker follows "by", and what was said is the subject before the auxiliary.
            span = speaker_after(text, passive[1], next_start)
            if span is None or not plausible_speaker(text[span[0] : span[1]]):
                return None
            if probe:
                return {"boundary": cue.start()}
            speaker = self._speaker(text, span)
            if speaker is None:
                return None
            content = _trimmed(text, Span(clause_start, passive[0]))
            return {"cue": cue, "speaker": speaker, "content": content, "trailing": False}
        before = text[clause_start : cue.start()].rstrip()
        after_text = text[cue.end() : next_start]
        inverted = word == "according to" or (
            before.endswith((",", ',"', ",”", '"', "”"))
            and not THAT_OR_TO.match(after_text)
            and word not in ("told", "tells")  # "told reporters": the listener, not the speaker
            and not self._named_appositive(clause_start, cue.start())
        )
        if inverted:
            according = word == "according to"
            span = speaker_after(text, cue.end(), sentence.end if according else next_start, up_to_comma=according)
            if span is None or not plausible_speaker(text[span[0] : span[1]]):
                inverted = False
            else:
                content = Span(clause_start, len(before.rstrip(',"“” ')) + clause_start)
                if word == "according to" and TRIVIAL_REST.match(text[clause_start : cue.start()]):
                    content = Span(span[1], sentence.end)
        if not inverted:
            span = subject_before(text, clause_start, cue.start())
            if span is None or not plausible_speaker(text[span[0] : span[1]]):
                return None
            rest_start = cue.end()
            time = TIME_WORDS.match(text[rest_start:next_start])
            rest = text[rest_start + (time.end() if time else 0) : next_start]
            short = SHORT_REST.fullmatch(rest) and not THAT.search(rest)
            if cue.group().lower() in ("told", "tells") and short:
                rest = ""  # "..., a spokeswoman told the Associated Press."
            opens_clause = OPENS_CLAUSE.match(rest)
            if word.startswith("put the"):
                content = Span(rest_start, next_start)  # "put the death toll at 41"
            elif QUOTE_OPENS.match(rest):
                # 'O'Sullivan said, "The rise was a disappointment".': the quote after the cue.
                content = Span(rest_start + QUOTE_OPENS.match(rest).end(), next_start)
            elif (
                TRIVIAL_REST.match(rest)
                or len(rest.split()) < 3
                or opens_clause
                or (
                    ("”" in text[span[0] - 4 : span[0]] or '"' in text[span[0] - 4 : span[0]])
                    and QUOTE_CLOSED.search(text, max(clause_start, span[0] - 4), span[0])
                    and not THAT_OR_TO.match(rest)
                )
            ):
                # '"...," Erdogan wrote on his Twitter account': the quote is what was said, and
                # the rest only says where.
                content = Span(clause_start, span[0])  # "..., a provincial official said Monday."
            else:
                content = Span(rest_start, next_start)
        if probe:
            pronoun = clean(text[span[0] : span[1]]).lower() in PRONOUNS
            boundary = cue.start() if inverted else span[0]
            known = not pronoun or self.last_named or self._person_before(span[0])
            return {"boundary": boundary} if known else None
        speaker = self._speaker(text, span)
        if speaker is None:
            return None
        trailing = content.end <= speaker["start"]
        found = {"cue": cue, "speaker": speaker, "content": _trimmed(text, content), "trailing": trailing}
        after = max(span[1], cue.end())
        participle = PARTICIPLE_PHRASE.match(text, after, next_start)
        if participle:  # "according to results published by Anadolu, while ...": past the phrase
            after = participle.end()
        if trailing and text[after : after + 1] == " ":
            time = TIME_WORDS.match(text[after : min(next_start, after + 120)])
            if time:  # "..., Yildirim said in a brief statement, adding, ..."
                after += len(time.group().rstrip(" ,"))
        if trailing and TAIL.match(text, after, next_start):
            saying = SAYING.match(text, after, next_start)
            if saying and saying.end() < next_start:
                # '..., he said, adding: "We will win."': what he added is a statement of its own.
                cue_word = SAYING_WORD.search(text, saying.start(), saying.end())
                found["tail"] = {"cue": cue_word, "content": _trimmed(text, Span(saying.end(), next_start))}
            else:
                # "..., the ministry said, with 120 others injured": the tail is part of what was said.
                found["content"] = _trimmed(text, Span(content.start, next_start))
        return found

    def _passive_by(self, cue: re.Match) -> tuple[int, int] | None:
        """(where the auxiliary starts, where the agent starts) of "was announced by ...", else None."""
        by = BY_AFTER.match(self.text, cue.end())
        aux = PASSIVE_AUX.search(self.text, max(0, cue.start() - 14), cue.start()) if by else None
        return (aux.start(), by.end()) if aux else None

    def _named_appositive(self, clause_start: int, cue_start: int) -> bool:
        """ "Ahmed Ali, a police spokesman, said ...": a name and its description before the cue."""
        span = subject_before(self.text, clause_start, cue_start)
        if span is None:
            return False
        mention = self.text[span[0] : span[1]]
        first = clean(mention.split(",")[0])
        return "," in mention and is_name(first) and first.lower() not in PRONOUNS

    def _speaker(self, text: str, span: tuple[int, int]) -> dict | None:
        mention = text[span[0] : span[1]]
        lowered = clean(mention).lower()
        if lowered in PRONOUNS:
            if lowered in ("it", "they", "them"):
                # "The Health Ministry said ... It added": the last speaker, named or not.
                if self.last_speaker is None:
                    return None
                return {**self.last_speaker, "mention": mention, "start": span[0], "end": span[1], "pronoun": True}
            mentioned = self._person_before(span[0])
            latest = self.last_named
            if mentioned is not None and (latest is None or mentioned["at"] > latest.get("at", -1)):
                latest = mentioned
            if latest is None:
                return None
            return {**latest, "mention": mention, "start": span[0], "end": span[1], "pronoun": True}
        name, named = name_in(mention)
        if named and " " not in name and name in self.full_names:
            name = self.full_names[name]  # "Nasser told" after "Karim Nasser": the same person
        elif named and " " not in name:
            name = self._named_earlier(name, span[0]) or name  # "giving Keir Starmer ...". "Starmer told"
        source_id, resolved = self._resolve(name, mention)
        if named and " " in resolved:
            self.full_names[resolved.split()[-1]] = resolved
        speaker = {
            "mention": mention,
            "start": span[0],
            "end": span[1],
            "name": resolved,
            "source_id": source_id,
            "named": named or source_id is not None,
        }
        self.last_speaker = {k: v for k, v in speaker.items() if k not in ("mention", "start", "end")}
        if speaker["named"]:
            self.last_named = {**self.last_speaker, "at": span[0]}
        return speaker

    def _named_earlier(self, surname: str, position: int) -> str | None:
        """The full name a surname stands for, as the text gave it earlier."""
        if surname not in self._surnames:
            self._surnames[surname] = self._surname_runs(surname)
        found = None
        for end, words in self._surnames[surname]:
            if end > position:
                break
            if end > position - 5000:
                found = words
        if found is None:
            return None
        name, named = name_in(found)
        return name if named and name.endswith(surname) and " " in name else None

    def _surname_runs(self, surname: str) -> list[tuple[int, str]]:
        """(end, words) of every "First Middle Surname" run in the text, in order: exactly what
        `pattern.finditer(self.text)` gives, without running the pattern over the whole text for
        each surname. A run holds only name characters and spaces, so none crosses a barrier
        character (a comma, a quote mark ...): the text between two barriers can be scanned on
        its own, and only the stretches that hold the surname need scanning at all."""
        pattern = re.compile(rf"(?:{NAME_TOKEN}\s+){{1,3}}{re.escape(surname)}\b")
        text = self.text
        if NAME_BARRIER.search(surname):
            return [(m.end(), m.group()) for m in pattern.finditer(text)]
        if self._barriers is None:
            self._barriers = [m.start() for m in NAME_BARRIER.finditer(text)]
        barriers, found = self._barriers, []
        at = text.find(surname)
        while at != -1:
            index = bisect_right(barriers, at)  # the first barrier after the surname
            begin = barriers[index - 1] + 1 if index > 0 else 0
            end = barriers[index] if index < len(barriers) else len(text)
            found.extend((m.end(), m.group()) for m in pattern.finditer(text, begin, end))
            at = text.find(surname, end)
        return found

    def _resolve(self, name: str, mention: str) -> tuple[int | None, str]:
        if self.resolve is None:
            return None, name
        key = f"{name}\x00{mention}"
        if key not in self._resolved:
            found = self.resolve(name)
            if found[0] is None and clean(mention) != name:
                found = self.resolve(LEADING_ARTICLE.sub("", clean(mention)))
            self._resolved[key] = found if found[0] is not None else (None, name)
        return self._resolved[key]

    def _continue_quotation(self, sentence: Span) -> bool:
        """A sentence further on in the quotation the last candidate holds is more of the same
        statement: '... said Perez. "President Obama continues ... He is asking Congress ...'."""
        quote = self._quote_at(sentence.start)
        last = self.candidates[-1] if self.candidates else None
        if quote is None or last is None or not (last["start"] <= quote.start + 1 and last["end"] > quote.start):
            return False
        text = self.text
        for figure in figures_in(text, sentence.start, sentence.end):
            last["figures"].append({**figure.as_dict(), "period_start": None, "period_end": None})
        last["end"] = sentence.end
        last["text"] = text[last["start"] : sentence.end]
        return True

    def _quote_at(self, position: int) -> Span | None:
        """The paragraph's quoted passage that holds this position, if any."""
        index = bisect_right(self.quote_starts, position) - 1
        if index >= 0 and position < self.quotes[index].end:
            return self.quotes[index]
        return None

    def _quotes_within(self, start: int, end: int) -> list[Span]:
        """The paragraph's quoted passages that open between start and end."""
        first = bisect_left(self.quote_starts, start)
        last = bisect_left(self.quote_starts, end, first)
        return self.quotes[first:last]

    def _is_quoted(self, sentence: Span) -> bool:
        if self._quote_at(sentence.start) is not None:
            return True  # inside a quotation the paragraph opened earlier
        body = self.text[sentence.start : sentence.end].strip()
        return body[:1] in '"“' or (body[-1:] in '"”' and body.count('"') % 2 == 1)

    # Candidates

    def _add(self, content: Span, speaker: dict, cue: re.Match | None, sentence: Span, framed: bool = False) -> None:
        if content.end <= content.start or not self.text[content.start : content.end].strip():
            return
        text = self.text
        put = cue is not None and cue.group().lower().startswith("put the")
        context = sentence.start if put else None
        figures = [f.as_dict() for f in figures_in(text, content.start, content.end, context)]
        if not framed and " of " in speaker["mention"] and share_of(clean(speaker["mention"])):
            # "Nearly 60% of those polled reported ...": the share is the poll's figure too.
            read = figures_in(text, speaker["start"], max(speaker["end"], content.end))  # measured with what follows
            share = [f.as_dict() for f in read if f.end <= speaker["end"]]
            figures = share + figures
        if framed and not figures and cue is not None:
            return  # a closing attribution covers earlier figures; quotes carry on regardless
        start = min(content.start, speaker["start"] if not framed else content.start)
        end = max(content.end, speaker["end"] if not framed else content.end)
        if cue is not None and not framed:
            start, end = min(start, cue.start()), max(end, cue.end())
        start, end = _expand_to(text, sentence, start, end)
        quotes = [
            Span(q.start, min(q.end, end))
            for q in self._quotes_within(start, end)
            if content.start <= q.start < content.end + 2
        ]
        if put:
            # "put the death toll at 45"; "... detained, while a spokesman put the number at seven"
            said_of = text[sentence.start : cue.start()] + cue.group()
            for figure in figures:
                if figure["metric"] == "other":
                    figure["metric"] = "killed" if "toll" in cue.group().lower() else last_metric(said_of) or "other"
        for index, figure in enumerate(figures):
            figure["period_start"], figure["period_end"] = self._figure_period(content, figures, index)
            lead = text[max(content.start, figure["start"] - 200) : figure["start"]]
            estimated = cue is not None and cue.group().lower().startswith("estimat")
            if figure["qualifier"] == "exact" and (estimated or ESTIMATE.search(lead)):
                figure["qualifier"] = "approximately"  # "We estimate that 500 people ..."
        self.candidates.append(
            {
                "text": text[start:end],
                "start": start,
                "end": end,
                "cue": cue.group() if cue is not None else None,
                "quote": " ".join(text[q.start : q.end].strip() for q in quotes) or None,
                "said_on": self._said_on(cue, speaker),
                "speaker": {k: speaker[k] for k in ("mention", "start", "end", "name", "source_id", "named")},
                "figures": figures,
            }
        )

    def _said_on(self, cue: re.Match | None, speaker: dict) -> str | None:
        if cue is None or self.published is None:
            return None
        # Only a day right by the cue ("said Monday", "said on Monday", "on Monday said") dates the saying.
        after = DAY_PHRASE.match(self.text, cue.end() + 1) if self.text[cue.end() : cue.end() + 1] == " " else None
        before = DAY_PHRASE.search(self.text, max(0, cue.start() - 14), cue.start())
        before = before if before and not self.text[before.end() : cue.start()].strip() else None
        day = after or before
        return _weekday_on_or_before(self.published, day.group(2)).isoformat() if day else None

    def _figure_period(self, content: Span, figures: list[dict], index: int) -> tuple[str | None, str | None]:
        """The period a figure counts: a date phrase between it and its neighbours ("300 in March"),
        else the clause's own when it holds a single figure."""
        low = figures[index - 1]["end"] if index > 0 else content.start
        high = figures[index + 1]["start"] if index + 1 < len(figures) else content.end
        own = self._period(Span(low, high))
        if own != (None, None) or len(figures) > 1:
            return own
        return self._period(content)

    def _period(self, content: Span) -> tuple[str | None, str | None]:
        if self.published is None:
            return None, None
        body = self.text[content.start : content.end]
        month = MONTH_PHRASE.search(body)
        if month:
            number = MONTHS.index(month.group(1).lower()) + 1
            year = self.published.year if number <= self.published.month else self.published.year - 1
            first = date(year, number, 1)
            last = (date(year + (number == 12), number % 12 + 1, 1)) - timedelta(days=1)
            return first.isoformat(), last.isoformat()
        day = DAY_PHRASE.search(body)
        if day:
            when = _weekday_on_or_before(self.published, day.group(2))
            if (day.group(1) or "").lower() in ("since", "from"):
                return when.isoformat(), self.published.isoformat()
            return when.isoformat(), when.isoformat()
        return None, None


def _weekday_on_or_before(published: date, weekday: str) -> date:
    back = (published.weekday() - WEEKDAYS.index(weekday.lower())) % 7
    return published - timedelta(days=back)


def _trimmed(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start] in " ,;:\n\t":
        start += 1
    while end > start and text[end - 1] in " ,;:\n\t":
        end -= 1
    return Span(start, end)


def _expand_to(text: str, sentence: Span, start: int, end: int) -> tuple[int, int]:
    """Keep a candidate within its sentence, and take the whole sentence when it is one claim."""
    start, end = max(start, sentence.start), min(end, sentence.end)
    if TRIVIAL_REST.match(text[sentence.start : start]) and TRIVIAL_REST.match(text[end : sentence.end]):
        return sentence.start, sentence.end
    return start, end
