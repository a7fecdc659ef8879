"""Who said it: attribution cues and the speakers around them."""

import re
from functools import lru_cache

from intake.extraction.text import word_alternation

CUES = (
    r"said|says|say|told|tells|according to|reported|reports|estimated|estimates|announced|announces|added|adds|"
    r"stated|states|confirmed|confirms|claimed|claims|vowed|vows|warned|warns|noted|notes|insisted|insists|"
    r"explained|explains|declared|declares|alleged|alleges|acknowledged|acknowledges|denied|denies|"
    r"tweeted|wrote|writes|posted|predicted|predicts|urged|urges|argued|argues|admitted|admits|"
    r"cautioned|cautions|expect|expects|expected|expecting|forecast|forecasts|forecasted|forecasting|"
    # A finding or a belief is attributed when "that" introduces it ("the survey found that",
    # "rescuers believe that"): see THAT_FOLLOWS. "Police found the body" is no statement.
    r"found|finds|find|show|shows|showed|shown|indicate|indicates|indicated|reveal|reveals|revealed|suggest|"
    r"suggests|suggested|believe|believes|believed|concluded|concludes|conclude|"
    r"put the (?:death )?toll at|put the (?:number|figure|total|tally)(?: of [\w ,]{1,60}?)? at|counted|recorded"
)
NEEDS_THAT = {
    "found", "finds", "find", "show", "shows", "showed", "shown", "indicate", "indicates", "indicated", "reveal",
    "reveals", "revealed", "suggest", "suggests", "suggested", "believe", "believes", "believed", "concluded",
    "concludes", "conclude",
}  # fmt: skip
THAT_FOLLOWS = re.compile(r"\s+that\b")
# The same pattern as rf"\b(?:{CUES})\b", with the single words as a trie (see word_alternation:
# only one whole word can match at a position, so order does not matter). It is searched over
# every sentence, and the plain alternation was one of the extractor's largest costs.
_CUE_WORDS, _CUE_PHRASES = CUES.split("|put the", 1)
CUE = re.compile(
    rf"\b(?:{word_alternation(_CUE_WORDS.split('|'))}|put the{_CUE_PHRASES})\b",
    re.IGNORECASE,
)
PRONOUNS = {"he", "she", "they", "it", "we", "i", "him", "her", "them"}  # "according to him"
# Nouns that can stand for a speaker who is described rather than named.
SPEAKER_NOUNS = re.compile(
    r"(?<!\w)U\.N\.(?!\w)|\b(?:officials?|groups|agencies|companies|ministries|authorities|charities|organizations|organisations|spokes(?:man|woman|person)|ministers?|ministry|minister|government|police|army|military|"
    r"authorities|authority|witnesses|residents|sources?|doctors?|medics?|director|head|chief|commander|"
    r"governor|mayor|president|leader|council|agency|office|department|group|organization|organisation|"
    r"statement|report|hospital|officers?|diplomats?|analysts?|experts?|activists?|observatory|monitor|"
    r"coalition|forces|militias?|people|colonel|general|lieutenant|captain|sergeant|prosecutor|judge|"
    r"secretary|envoy|ambassador|senator|lawmaker|mp|chairman|chairwoman|members?|aides?|correspondent|"
    r"journalists?|reporters?|newspaper|channel|broadcaster|news agency|UN|Red Cross|NGO|charity|defen[cs]e|"
    r"residents|survivors|relatives|family|families|villagers|staff|worker|workers|investigators|inspectors|"
    r"company|firm|operator|owner|manager|employer|union|coroner|nurses?|paramedics?|rescuers?|firefighters?|"
    r"medical|physician|surgeon|teacher|principal|priest|imam|cleric|bishop|tribal|elder|chief|mukhtar|"
    r"ministry|cabinet|parliament|senate|congress|court|tribunal|prosecutors?|lawyers?|attorneys?|"
    r"police|polices|policeman|policemen|troopers?|soldiers?|fighters?|rebels?|insurgents?|militants?|"
    r"group|faction|movement|party|alliance|front|brigade|battalion|regiment|command|headquarters|"
    r"agency|service|authority|administration|commission|committee|board|bureau|institute|centre|center|"
    r"university|college|school|hospital|clinic|charity|foundation|society|crescent|cross|unicef|unhcr|who|"
    r"eyewitness(?:es)?|onlookers?|bystanders?|passengers?|pilots?|crew|captain|driver|guards?|"
    r"representative|delegate|adviser|advisor|aide|assistant|counsel|coordinator|organizers?|organisers?|"
    r"campaigners?|volunteers?|monitors?|observers?|scientists?|researchers?|economists?|statisticians?|"
    r"mother|father|brother|sister|son|daughter|wife|husband|neighbou?rs?|friends?|colleagues?|"
    r"results|data|survey|poll|polls|study|census|projections?|statistics|figures|estimates|count|clerk|registrar|"
    r"regulator|commissioner|coach|economists?|banks?|bureau|institute|pollsters?|insurers?|executives?|"
    r"forecasters?|traders?|investors?|bankers?|regulators?|brokers?|strategists?|lenders?|unions?|"
    r"outlets?|media|reports|analysis|respondents|candidates?)\b",
    re.IGNORECASE,
)
NAME_TOKEN = r"(?:(?:al|el|bin|ibn|abu|de|van|von|der|da|di|du|le|la)-)?[A-Z][\w'’.-]*"
NAME_TOKEN_RE = re.compile(NAME_TOKEN)
NAME_RUN = re.compile(
    rf"(?:{NAME_TOKEN})(?:\s+(?:(?:al|bin|ibn|abu|de|van|von|der|da|di|du|le|bint|of|for|on|and)\s+)?{NAME_TOKEN})*"
)
TITLES = {
    "us", "u.s.", "uk", "un", "u.n.", "secretary", "state", "prime", "minister", "president", "vice", "general",
    "gen.", "col.", "colonel", "lt.", "lieutenant", "major", "maj.", "captain", "capt.", "sgt.", "sergeant", "mr.",
    "mrs.", "ms.", "dr.", "sen.", "senator", "rep.", "gov.", "governor", "mayor", "chief", "commander", "defense",
    "defence", "foreign", "interior", "health", "spokesman", "spokeswoman", "ambassador", "envoy", "deputy",
    "acting", "former", "grand", "ayatollah", "sheikh", "king", "queen", "prince", "pope", "judge", "justice",
    "nurse", "doctor", "dr", "professor", "prof.", "officer", "inspector", "detective", "aid", "worker", "bishop",
    "imam", "rabbi", "father", "sister", "brother", "coach", "chairman", "chairwoman", "director", "lawyer",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
    "the", "a", "an", "iraqi", "american", "british", "syrian", "afghan", "police", "army",
    "chair", "chairperson", "prof", "superintendent", "commissioner", "constable", "chancellor",
    "premier", "speaker", "leader", "democratic", "republican", "opposition", "candidate", "lead", "author",
    "head", "economist", "analyst", "spokesperson", "ceo", "executive", "minister,", "rep", "sen",
}  # fmt: skip
PREPOSITIONS = {
    "in", "at", "on", "from", "for", "after", "before", "during", "with", "by", "since", "as", "under", "across",
    "near", "outside", "inside", "meanwhile", "separately", "elsewhere", "earlier", "later", "but", "and",
}  # fmt: skip
CLAUSE_STOP = {
    "as", "while", "when", "after", "before", "because", "since", "although", "though", "but", "and", "that",
    "which", "where", "if", "so", "then", "who", "whom", "whose", "yet", "or",
}  # fmt: skip
NOT_SPEAKER = re.compile(
    r"\b(?:could|would|should|can|cannot|may|might|must|not|be|been|being|was|were|is|are|has|have|had|will|"
    r"figures?|numbers?|toll|estimates?|it|this|that|there|died|killed|wounded|injured|fled|arrested|"
    r"missing|sent|remain|remained|rose|fell|reached)\b|\d",
    re.IGNORECASE,
)
# Words that start sentences capitalised without naming anyone: "Local residents said".
COMMON_CAPITALISED = {
    "local", "hospital", "officials", "witnesses", "residents", "police", "security", "military", "army",
    "government", "health", "medical", "rescue", "aid", "tribal", "senior", "top", "several", "many", "some",
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "both", "all", "other", "another",
    "state", "provincial", "regional", "district", "city", "town", "village", "civil", "emergency", "fire",
}  # fmt: skip
ORGANIZATION_WORDS = re.compile(
    r"\b(?:Ministry|Ministries|Organi[sz]ation|Observatory|Agency|Council|Committee|Commission|Office|Department|"
    r"Service|Authority|Authorities|Institute|Center|Centre|Society|Crescent|Cross|Fund|Programme|Program|Union|"
    r"Party|Front|Forces|Army|Police|Guard|Court|Parliament|Government|Administration|Bureau|Association|"
    r"Hospital|University|College|School|Bank|Company|Corporation|Group|Agency|Federation|League|Reserve|"
    r"Institution|Foundation|Board|Network|Times|News|Post|Press|Journal|Club|Team|Department|Statistics)\b"
)
RELATIVE = re.compile(r"\s*(?:which|who)\s*")
RELATIVE_ASIDE = re.compile(r"\s*(?:who|which|whose|whom)\s+\S")
INNER_RELATIVE = re.compile(r"\s(?:who|whose)\s+(?:was|were|is|are|had|has|did|does|asked|spoke|declined|requested)\b")
AUXILIARY_END = re.compile(
    r"\s+(?:(?:has|have|had)(?:\s+(?:also|previously|earlier|already))?(?:\s+been)?|were|was|are|is)$"
)
DATELINE = re.compile(r"^(?:[A-Z][A-Z .,'’-]+)?(?:\([^)]{1,40}\))?\s*[-–—]+\s*")
ASIDE = re.compile(r"\s*\w+ing\b")
TIME_WORDS = re.compile(
    r"^\s*(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|tonight|"
    r"last\s+\w+|this\s+\w+|earlier|later|late\s+\w+|early\s+\w+|"
    r"(?:in|on|at|during)\s+(?:a|an|its|his|her|their|the)\s+(?:[\w’'-]+\s+){0,2}?"
    r"(?:statement|report|interview|note|opinion|letter|post|message|briefing|release|press release|ruling|"
    r"filing|email|tweet|speech|memo|update|blog post|video|broadcast|submission|decision|judgment|judgement|"
    r"conference|account|page|feed|website|call|appearance|podcast|address|hearing|session))"
    r"(?:\s+(?:night|morning|evening|afternoon))?[\s,]*",
    re.IGNORECASE,
)


# Compiled once here rather than looked up in re's cache on every call.
COMMA_BREAK = re.compile(r",\s*")
AUXILIARIES_END = re.compile(r"(?:\s+(?:has|have|had|also|later|earlier|previously|again|then|will|would))+$")
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
ARTICLE_END = re.compile(r"\b(?:the|a|an)\s+$", re.IGNORECASE)
SPEAKER_END = re.compile(
    r"[;!?]\s|[;!?]$|\.$|[.!?][\"”]|,?\s(?:that|who|which|because|while|as|after|when)\s|\s[–—]\s|\s--\s|"
    r",?\s(?:in|at|during|on|via)\s+(?:a|an|his|her|their|its)\s|"
    r"\s(?:delayed|released|published|issued|seen|obtained|compiled|prepared|posted|carried|distributed)\s"
)
TIME_END = re.compile(r"[,\s]+(?:on|in|late|early|last)\s+\w+(?:\s+\w+)?$")


def clean(mention: str) -> str:
    return " ".join(mention.replace("\n", " ").split()).strip(" ,;:-—–\"“”'")


@lru_cache(maxsize=4096)
def name_in(mention: str) -> tuple[str, bool]:
    """The person or organization a mention names ("Sabah Karhout" in "the head of the council,
    Sabah Karhout"), or the description itself when it names no one ("a provincial official")."""
    parts = [clean(p) for p in COMMA_BREAK.split(mention) if clean(p)]
    share = share_of(clean(mention))
    if share:
        return share, False  # "49 per cent of respondents": respondents
    agent = WORK_BY.match(clean(mention))
    if agent:  # "new analysis by Dutch publishing giant Elsevier and ...": Elsevier's analysis
        return name_in(re.split(r"\s+and\s+", agent.group("agent"))[0])
    if len(parts) == 1:
        possessed = POSSESSED.match(parts[0])
        if possessed:  # "Former President Hamid Karzai's office": the office speaks, not Karzai.
            return _strip_titles(possessed.group("owner")), True
        if POSSESSIVE_DESCRIPTION.match(parts[0]):
            # "Mexico's emergency services chief": someone described by whose they are.
            return _strip_article(parts[0]), False
        person = PERSON_OF.match(parts[0])
        if person and not ORGANIZATION_WORDS.search(person.group("name")) and is_name(person.group("name")):
            # "Jim O'Sullivan of economics consultancy High Frequency Economics": the person.
            return _strip_titles(person.group("name")), True
        described = DESCRIBED.fullmatch(parts[0])
        if described:
            # "Sangin residents", "Government officials": people described by a place or a body.
            return _strip_article(parts[0]), False
    for part in parts:
        if is_name(part):
            return _strip_titles(part), True
    runs = [run.group() for run in NAME_RUN.finditer(mention)]
    for run in reversed(runs):
        name = _strip_titles(run)
        if name and is_name(name) and name.lower() not in TITLES:
            return name, True
    return _strip_article(_strip_auxiliaries(clean(mention))), False


POSSESSED = re.compile(
    r"(?P<owner>(?:(?i:the|former)\s+)?(?:[A-Z][\w.-]*\s+){0,5}[A-Z][\w.-]*['’]s\s+"
    r"(?i:(?:own|top|chief|senior|main|official|press|foreign|defen[cs]e|interior|health)\s+)?"
    r"(?i:office|spokes(?:man|woman|person)|ministry|government|campaign|team|lawyers?|attorneys?|aides?|"
    r"family|party|department|administration|cabinet|embassy|mission|army|military|police))"
    r"(?=\s*$|\s+(?:in|on|at|during)\b)"
)
WORK_BY = re.compile(
    r"(?:(?:a|an|the|new|latest|recent|fresh|its|their)\s+){0,2}(?:[a-z][\w-]*\s+)?"
    r"(?:analysis|study|report|survey|poll|data|figures|research|review|estimates?|projections?)\s+"
    r"(?:released\s+|published\s+|conducted\s+|carried out\s+)?by\s+(?P<agent>\S.*)",
    re.IGNORECASE,
)
SHARE_OF = re.compile(
    r"(?:(?:nearly|almost|about|around|more than|over|just over|just under|some|roughly|only)\s+)?"
    r"(?:\d+(?:\.\d+)?\s*(?:%|per\s?cent\b|percent\b)|half|a third|a quarter|two[- ]thirds|three[- ]quarters|"
    r"a majority|most|one in (?:two|three|four|five|ten))\s+of\s+(?P<group>(?:the\s+|those\s+|all\s+)?"
    r"[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})",
    re.IGNORECASE,
)
GROUPS = re.compile(
    r"\b(?:respondents|polled|surveyed|questioned|asked|interviewed|voters|adults|people|americans|britons|"
    r"researchers|scientists|doctors|nurses|teachers|parents|students|workers|employees|economists|members|"
    r"residents|citizens|consumers|businesses|firms|companies|patients|participants|users|readers)$",
    re.IGNORECASE,
)


def share_of(text: str) -> str | None:
    """The group in "49 per cent of respondents", "nearly 60% of those polled", else None."""
    found = SHARE_OF.fullmatch(text)
    if found and GROUPS.search(found.group("group")):
        return found.group("group")
    return None


POSSESSIVE_DESCRIPTION = re.compile(r"(?:(?i:the)\s+)?(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*['’]s\s+[a-z]")
PERSON_OF = re.compile(r"(?P<name>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){1,3})\s+(?:of|from|at|with)\s+[a-z]")
DESCRIBED = re.compile(
    r"(?:(?i:the)\s+)?(?P<place>(?:[A-Z][\w.-]*\s+){1,3})"
    r"(?:officials|residents|sources|witnesses|authorities|medics|doctors|activists|analysts|economists|"
    r"diplomats|lawmakers|prosecutors|investigators|rescuers|villagers|elders|police|officers|leaders|reports|"
    r"coalition|forces|troops|government|military)"
)


def _strip_auxiliaries(text: str) -> str:
    """ "The government has" claimed: the speaker is "The government"."""
    return AUXILIARIES_END.sub("", text)


# Capitalised at the start of a sentence or a quote, never part of a name.
FUNCTION_WORDS = {
    "i", "we", "you", "what", "this", "that", "these", "those", "there", "here", "it", "if", "when", "how", "why",
    "no", "not", "our", "my", "your", "their", "his", "her", "its", "they", "she", "he", "us", "me",
}  # fmt: skip

SENTENCE_ADVERBS = {
    "separately", "meanwhile", "however", "later", "earlier", "also", "still", "yet", "overall", "instead",
    "previously", "nonetheless", "moreover", "separate", "elsewhere", "today", "yesterday", "then", "now",
}  # fmt: skip


def is_name(text: str) -> bool:
    tokens = text.split()
    if not tokens or len(tokens) > 7:
        return False
    if len(tokens) == 1 and (tokens[0].lower() in SENTENCE_ADVERBS or tokens[0].lower().endswith("ly")):
        return False  # "Separately, the Red Crescent said": an adverb, not a speaker
    connectors = {"al", "bin", "ibn", "abu", "de", "van", "von", "of", "for", "on", "and"}
    if tokens[0].lower() in PREPOSITIONS:
        return False  # "In Syria, the White Helmets said": a setting, not a speaker
    if any(t.lower() in FUNCTION_WORDS and not (len(t) > 1 and t.isupper()) for t in tokens):
        return False  # "What I think ...": words of a sentence, not a name
    if not all(NAME_TOKEN_RE.fullmatch(t) or t.lower() in connectors for t in tokens):
        return False
    if tokens[0].lower() in COMMON_CAPITALISED and not ORGANIZATION_WORDS.search(text):
        return False
    if tokens[-1].lower() in connectors:
        return False
    return any(t.lower().strip(".") not in TITLES for t in tokens)


# Words that name an office held by the person named after them: whatever comes before the last
# of them ("Los Angeles County Sheriff", "Federal Reserve Chair", "CrowdStrike Chief Executive")
# is the office, and the name is what follows.
ROLE_WORDS = {
    "secretary", "minister", "president", "colonel", "captain", "sergeant", "senator", "governor", "mayor",
    "chief", "commander", "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "judge",
    "justice", "officer", "inspector", "detective", "director", "chairman", "chairwoman", "chair",
    "chairperson", "coach", "leader", "speaker", "premier", "chancellor", "commissioner", "superintendent",
    "constable", "executive", "ceo", "head", "economist", "analyst", "sheriff", "professor", "prof.", "dr.",
    "gov.", "sen.", "rep.", "lawyer", "attorney", "prosecutor", "manager", "founder", "editor", "mp",
    "representative", "adviser", "advisor", "strategist", "researcher", "scientist", "cfo", "coo", "general",
    "gen.", "col.", "capt.", "sgt.", "lt.", "maj.", "admiral", "adm.", "marshal", "prime", "treasurer",
}  # fmt: skip


def _after_office(tokens: list[str]) -> list[str]:
    """The name after the last office word, when at least one capitalised word follows it."""
    for index in range(len(tokens) - 2, -1, -1):
        parts = tokens[index].lower().split("-")
        if (
            any(part in ROLE_WORDS for part in parts)
            and tokens[index + 1].lower() in ("of", "for")
            and index + 4 < len(tokens)
        ):
            # "Director of Infectious Diseases Kris Ehresmann", "Minister for Health Simon Harris": the
            # office takes the words after "of"; the name is the last two (three with an initial).
            rest = tokens[index + 2 :]
            if all(t[:1].isupper() for t in rest):
                keep = 3 if len(rest) >= 4 and re.fullmatch(r"[A-Z]\.", rest[-2]) else 2
                return rest[-keep:]
        if any(part in ROLE_WORDS for part in parts) and tokens[index + 1][:1].isupper():
            rest = tokens[index + 1 :]
            if all(t[:1].isupper() or t.lower() in {"al", "bin", "ibn", "abu", "de", "van", "von", "da"} for t in rest):
                return rest
            return tokens
    return tokens


def _strip_titles(run: str) -> str:
    """ "US Secretary of State John Kerry" is John Kerry; "the Interior Ministry" stays whole;
    "Federal Reserve Chair Jerome Powell" is Jerome Powell."""
    tokens = _after_office(run.split())
    run = " ".join(tokens)
    if ORGANIZATION_WORDS.search(run):
        while tokens and tokens[0].lower() in {"the", "a", "an"}:
            tokens.pop(0)
        return " ".join(tokens)
    while len(tokens) > 1 and tokens[0].lower() in TITLES | {"of", "for", "on", "and"}:
        tokens.pop(0)
    return " ".join(tokens)


def _strip_article(text: str) -> str:
    return LEADING_ARTICLE.sub("", text)


@lru_cache(maxsize=4096)
def plausible_speaker(mention: str) -> bool:
    text = clean(mention)
    if not text or len(text) > 160:
        return False
    if text.lower() in PRONOUNS:
        return True
    if share_of(text):
        return True  # "nearly 60% of those polled reported": the share of a group that says it
    if NOT_SPEAKER.search(text):
        return is_name(text)  # "27 people died" is what was said, not who said it
    _, named = name_in(text)
    return named or bool(SPEAKER_NOUNS.search(text))


def subject_before(text: str, clause_start: int, cue_start: int) -> tuple[int, int] | None:
    """The speaker phrase just before a cue: "local officials" in "as local officials reported",
    "Youssef al-Kilabi, a spokesman for the Shiite militias" before "said"."""
    segment = text[clause_start:cue_start].rstrip().rstrip(",").rstrip()
    auxiliary = AUXILIARY_END.search(segment)
    if auxiliary:  # "the Royal College of Physicians has said"
        segment = segment[: auxiliary.start()]
    dateline = DATELINE.match(segment)
    if dateline:  # "WASHINGTON (Reuters) - Police said": the outlet's dateline is no speaker
        clause_start += dateline.end()
        segment = segment[dateline.end() :]
    if not segment:
        return None
    cut = max(segment.rfind(","), segment.rfind('"'), segment.rfind("“"), segment.rfind("”"))
    last_piece = segment[cut + 1 :]
    if RELATIVE.fullmatch(last_piece) and cut > 0:
        # "the World Health Organization, which said": the speaker is the name before "which".
        before = segment[:cut]
        runs = [r for r in NAME_RUN.finditer(before) if r.end() == len(before.rstrip())]
        if runs:
            article = ARTICLE_END.search(before[: runs[-1].start()])
            start = article.start() if article else runs[-1].start()
            return clause_start + start, clause_start + runs[-1].end()
        return subject_before(text, clause_start, clause_start + cut)
    if RELATIVE_ASIDE.match(last_piece) and cut > 0 and segment[cut] == ",":
        # "A local official, who spoke on condition of anonymity, said": the speaker is before it.
        return subject_before(text, clause_start, clause_start + cut)
    inner = list(INNER_RELATIVE.finditer(last_piece))
    if inner and cut >= -1:
        # "A U.N. official who was not authorized to speak publicly said": the speaker is before "who".
        found = subject_before(text, clause_start, clause_start + cut + 1 + inner[-1].start())
        if found is not None and plausible_speaker(text[found[0] : found[1]]):
            return found
    if ASIDE.match(last_piece) and cut > 0 and segment[cut] == ",":
        # "A senior official, speaking on condition of anonymity, said": skip the aside.
        return subject_before(text, clause_start, clause_start + cut)
    if cut > 0 and segment[cut] == "," and last_piece.split() and _describes(last_piece):
        # "Feng Zhenglin, deputy minister of railway and transportation, said": the name and
        # its description, however many words the description runs to.
        before = segment[:cut]
        previous_cut = max(before.rfind(","), before.rfind('"'), before.rfind("“"), before.rfind("”"))
        previous = before[previous_cut + 1 :]
        if is_name(clean(previous)):
            start = clause_start + previous_cut + 1 + (len(previous) - len(previous.lstrip()))
            return start, clause_start + len(segment)
    words = _tail_words(last_piece)
    if not words:
        return _subject_of_coordinated(text, clause_start, segment)
    agent = AGENT.search(words) if " by " in words else None
    if agent and plausible_speaker(words[agent.end() :]):
        end = clause_start + cut + 1 + last_piece.rfind(words) + len(words)
        return end - len(words) + agent.end(), end
    start = clause_start + cut + 1 + last_piece.rfind(words)
    whole_piece = words == last_piece.strip()
    if whole_piece and cut > 0 and segment[cut] == "," and not is_name(words):
        # An appositive: "Youssef al-Kilabi, a spokesman for ..." or "Kerry, traveling through ...".
        before = segment[:cut]
        previous_cut = max(before.rfind(","), before.rfind('"'), before.rfind("“"), before.rfind("”"))
        previous = before[previous_cut + 1 :]
        if is_name(clean(previous)):
            start = clause_start + previous_cut + 1 + (len(previous) - len(previous.lstrip()))
    return start, clause_start + len(segment)


TOKEN = re.compile(r"\S+")
AGENT = re.compile(r"\b(?:released|published|compiled|issued|conducted|commissioned|delivered|prepared)\s+by\s+")
COORDINATED_END = re.compile(r"\s(?:but|and)(?:\s+(?:also|then|later|still))?$")


def _subject_of_coordinated(text: str, clause_start: int, segment: str) -> tuple[int, int] | None:
    """ "President Barack Obama declined to comment ... but said": the subject of both verbs,
    at the clause's start, when no cue comes between it and this one."""
    if not COORDINATED_END.search(segment) or CUE.search(segment):
        return None
    tokens = list(TOKEN.finditer(segment, 0, 400))[:8]
    n = 0
    while n < len(tokens) - 1:
        word = tokens[n].group()
        if not (word[:1].isupper() or word in ("the", "a", "an", "of", "for") or SPEAKER_NOUNS.fullmatch(word)):
            break
        n += 1
    if n == 0 or not plausible_speaker(segment[tokens[0].start() : tokens[n - 1].end()]):
        return None
    return clause_start + tokens[0].start(), clause_start + tokens[n - 1].end()


def _describes(piece: str) -> bool:
    """A piece that describes someone: "deputy minister of railway and transportation",
    "a spokesman for the army"."""
    first = piece.split()[0].lower()
    return (first in ("a", "an", "the") or first in ROLE_WORDS or first in TITLES) and not NOT_SPEAKER.search(piece)


def _tail_words(piece: str) -> str:
    """The last words of a piece up to a clause boundary: "as local officials" gives "local officials"."""
    kept = []
    for word in reversed(piece.strip().split()):
        bare = word.lower().strip(",.;:\"“”'")
        if bare == "and" and kept and kept[-1][:1].isupper() and word is not piece.split()[0]:
            kept.append(word)  # "the Centers for Disease Control and Prevention said"
            continue
        if bare == "and" and kept and SPEAKER_NOUNS.fullmatch(kept[-1].strip(",.")) and len(kept) == 1:
            kept.append(word)  # "officials and medics said"
            continue
        if bare in CLAUSE_STOP or len(kept) >= 9 or word.endswith((";", ":")):
            break
        kept.append(word)
    return " ".join(reversed(kept))


def speaker_after(text: str, cue_end: int, clause_end: int, up_to_comma: bool = False) -> tuple[int, int] | None:
    """The speaker phrase after an inverted cue: "said the head of the council, Sabah Karhout"."""
    body = text[cue_end : min(clause_end, cue_end + 300)]
    if up_to_comma:  # "According to the coast guard, 26 passengers ..."
        body = body.split(",")[0]
    lead = len(body) - len(body.lstrip())
    body = body.strip()
    if not body:
        return None
    body = SPEAKER_END.split(body)[0]
    if not body.strip() or body.split(maxsplit=1)[0].lower() in PREPOSITIONS - {"and", "but"}:
        return None  # "..., said in Beijing": where it was said, not who said it
    body = TIME_END.sub("", body)
    time = TIME_WORDS.match(body)
    if time and time.end() >= len(body.rstrip(" ,.")):
        return None  # "..., said on Tuesday": no speaker after the cue
    if time:
        lead += time.end()
        body = body[time.end() :]
    body = body.rstrip(" ,.")
    if not body or len(body.split()) > 16:
        return None
    return cue_end + lead, cue_end + lead + len(body)
