"""Language tags (BCP 47) as documents and claims carry them."""

import re

from django.core.validators import RegexValidator

# A primary language subtag, then optional script/region/variant subtags: en, ar, pt-BR, zh-Hant-TW.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*\Z")

validate_language_tag = RegexValidator(
    LANGUAGE_TAG, "Give a BCP 47 language tag such as en, ar or pt-BR.", code="invalid_language"
)


def normalise_language_tag(tag: str) -> str:
    """The tag in its usual case: language lower, script title, region upper (pt-br -> pt-BR)."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


# Language detection: a heuristic without dependencies, good enough to tag a claim or an article
# at intake when nobody gave its language. Text in a script used by one major language is tagged
# by the script alone; Latin-script text by which language's commonest words it holds most of.
# Short or ambiguous text falls back to "en", the tracker's default. A reviewer can always
# correct the tag: this is not a language identifier to rely on for anything finer.
SCRIPTS = [  # (first code point, last code point, tag), checked in order
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0590, 0x05FF, "he"),
    (0x0400, 0x04FF, "ru"),
    (0x0370, 0x03FF, "el"),
    (0x0900, 0x097F, "hi"),
    (0x0E00, 0x0E7F, "th"),
    (0x10A0, 0x10FF, "ka"),
    (0x0530, 0x058F, "hy"),
    (0x3040, 0x30FF, "ja"),
    (0xAC00, 0xD7AF, "ko"),
    (0x4E00, 0x9FFF, "zh"),
]
COMMON_WORDS = {
    "en": "the of and to in is was that for on with by as at from were said have has it are",
    "fr": "le la les des et est une dans du que pour qui sur par au avec sont été a ont selon",
    "es": "el la los las del y en que por con una para es se fue han al según murieron",
    "pt": "o os as do da dos das e em que por com uma para é foi não segundo morreram",
    "de": "der die das und ist nicht mit den von zu ein eine dem sich auf für wurden sind",
    "it": "il lo gli della di e che per con una sono è stato nel dei delle secondo",
    "nl": "de het een en van is niet met op te voor zijn werd aan dat die",
    "tr": "ve bir bu için ile da de olarak en çok daha göre oldu",
    "id": "dan yang di dari ini itu dengan untuk tidak ada pada dalam akan",
    "sw": "na ya wa kwa katika ni za la cha vya watu",
}
_WORD_SETS = {tag: frozenset(words.split()) for tag, words in COMMON_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    """A best guess at the BCP 47 primary tag of `text`: by Unicode script, then, for Latin
    script, by common-word counts of the major Latin-script languages; "en" when unsure."""
    text = text[:20_000]  # enough to tell; an article can run to 200,000 characters
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    counts: dict[str, int] = {}
    for ch in letters:
        point = ord(ch)
        for first, last, tag in SCRIPTS:
            if first <= point <= last:
                counts[tag] = counts.get(tag, 0) + 1
                break
    if counts:
        tag, number = max(counts.items(), key=lambda item: item[1])
        if number * 2 >= len(letters):
            if tag == "zh" and counts.get("ja"):  # kanji with kana is Japanese
                return "ja"
            return tag
    words = [word.casefold() for word in _WORD.findall(text)]
    scores = {tag: sum(word in common for word in words) for tag, common in _WORD_SETS.items()}
    best = max(scores, key=lambda tag: (scores[tag], tag == "en"))
    return best if scores[best] > scores["en"] else "en"
