"""Precision and recall of attributed statements and figures, and speaker accuracy, against a gold set.

Each gold line is {"id", "published", "text", "figures": [...], "statements"?: [...]}. A line of a
real article holds no "text" (the article is not ours to redistribute) but its "sha256": the text
is read from `<id>.txt` in a texts directory, normalised as a stored document is, and scored only
if its hash is the annotated copy's. A line whose text is missing or differs is skipped, and the
report says which and why.

A gold figure is {"speaker": [names...], "metric", "qualifier", "low", "high" | "vague_text",
"measure"?, "kind"?, "currency"?, "optional"?}. A found figure matches a gold figure with the same
metric, qualifier and bounds (or vague words), and the same kind (count, percent, ratio, money)
and currency where the gold gives them; a figure of metric "other" must also count the same
thing: its `measure` (the sentence's own word, "treated", "votes") shares a stem with the gold's.
Each gold figure matches once. Optional gold figures count when found and are not missed when not.

A gold statement is {"anchor": words of what was said, as written, "speaker": [names...]}. A
candidate matches it when the candidate's span covers most of the anchor; each candidate and
each gold statement match once. A line without "statements" scores figures only.
"""

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from intake.extraction import extract
from sources.text import normalised_text


def _same_amount(found: dict, gold: dict) -> bool:
    """The same reading of the figure: qualifier and both bounds (or the vague words)."""
    if found["qualifier"] != gold.get("qualifier"):
        return False
    if found["qualifier"] == "vague":
        return found["vague_text"].lower() == (gold.get("vague_text") or "").lower()
    return (_rounded(found["low"]), _rounded(found["high"])) == (_rounded(gold.get("low")), _rounded(gold.get("high")))


def _rounded(value):
    return None if value is None else round(float(value), 2)


def _stems(words: str) -> set[str]:
    return {word[:5] for word in re.findall(r"[a-z]+", (words or "").lower()) if len(word) > 2}


def _same_metric(found: dict, gold: dict) -> bool:
    if found["metric"] != gold["metric"]:
        return False
    if any(key in gold and found.get(key) != gold[key] for key in ("kind", "currency")):
        return False  # "$40m" read as a count, or as euros, is not the figure said
    if gold["metric"] != "other" or not gold.get("measure"):
        return True
    return bool(_stems(found.get("measure", "")) & _stems(gold["measure"]))


def _fold(value: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", " ".join(value.lower().split()))


def _speaker_right(speaker: dict, gold: dict) -> bool:
    """The name found is one the gold allows (case and a leading article aside)."""
    allowed = {_fold(name) for name in gold["speaker"]}
    return _fold(speaker["name"]) in allowed or _fold(speaker["mention"]) in allowed


def _figures(candidates: list[dict], gold: list[dict]) -> dict:
    found = [(candidate["speaker"], figure) for candidate in candidates for figure in candidate["figures"]]
    used, matched, wrong_speaker, extra = set(), 0, [], []
    for speaker, figure in found:
        match = next(
            (i for i, g in enumerate(gold) if i not in used and _same_metric(figure, g) and _same_amount(figure, g)),
            None,
        )
        if match is None:
            extra.append(f"{figure['text']} ({figure['metric']} {figure.get('measure', '')}, {figure['qualifier']})")
            continue
        used.add(match)
        matched += 1
        if not _speaker_right(speaker, gold[match]):
            wrong_speaker.append((figure["text"], speaker["name"], gold[match]["speaker"][0]))
    required = [i for i, g in enumerate(gold) if not g.get("optional")]
    missed = [gold[i] for i in required if i not in used]
    return {
        "found": len(found),
        "matched": matched,
        "gold": len(required),
        "gold_found": len([i for i in required if i in used]),
        "speaker_right": matched - len(wrong_speaker),
        "extra": extra,
        "missed": [
            f"{g['metric']} {g.get('measure', '')} {g.get('low') or g.get('vague_text')}-{g.get('high')}"
            for g in missed
        ],
        "wrong_speaker": wrong_speaker,
    }


def _statements(text: str, candidates: list[dict], gold: list[dict]) -> dict:
    spans = []
    for statement in gold:
        at = text.find(statement["anchor"])
        if at < 0:
            raise ValueError(f"statement anchor not in the text: {statement['anchor']!r}")
        spans.append((at, at + len(statement["anchor"])))
    used, matched, wrong_speaker, extra = set(), 0, [], []
    for candidate in candidates:
        match = next(
            (
                i
                for i, (start, end) in enumerate(spans)
                if i not in used and min(end, candidate["end"]) - max(start, candidate["start"]) >= (end - start) * 0.6
            ),
            None,
        )
        if match is None:
            extra.append(f"{candidate['speaker']['name']}: {candidate['text'][:80]}")
            continue
        used.add(match)
        matched += 1
        if not _speaker_right(candidate["speaker"], gold[match]):
            wrong_speaker.append((gold[match]["anchor"][:40], candidate["speaker"]["name"], gold[match]["speaker"][0]))
    return {
        "found": len(candidates),
        "matched": matched,
        "gold": len(gold),
        "gold_found": len(used),
        "speaker_right": matched - len(wrong_speaker),
        "extra": extra,
        "missed": [f"{g['speaker'][0]}: {g['anchor']}" for i, g in enumerate(gold) if i not in used],
        "wrong_speaker": wrong_speaker,
    }


def score_item(item: dict) -> dict:
    published = date.fromisoformat(item["published"]) if item.get("published") else None
    candidates = extract(item["text"], published=published)
    scored = {"id": item.get("id"), **_figures(candidates, list(item["figures"]))}
    if "statements" in item:
        scored["statements"] = _statements(item["text"], candidates, item["statements"])
    return scored


def _summary(parts: list[dict]) -> dict:
    found = sum(p["found"] for p in parts)
    matched = sum(p["matched"] for p in parts)
    gold = sum(p["gold"] for p in parts)
    gold_found = sum(p["gold_found"] for p in parts)
    speaker_right = sum(p["speaker_right"] for p in parts)
    return {
        "precision": round(matched / found, 3) if found else 1.0,
        "recall": round(gold_found / gold, 3) if gold else 1.0,
        "speaker_accuracy": round(speaker_right / matched, 3) if matched else 1.0,
        "found": found,
        "matched": matched,
        "gold": gold,
    }


class TextUnavailable(Exception):
    """The article a gold line annotates is not at hand, or is not the copy that was annotated."""


def with_text(item: dict, texts: Path | None) -> dict:
    """The gold line with its article's text, read from the texts directory when the line has none."""
    if "text" in item:
        return item
    name = f"{item['id']}.txt"
    if texts is None:
        raise TextUnavailable(f"{item['id']}: the text is not in the gold line; give a texts directory (--texts)")
    try:
        text = normalised_text((Path(texts) / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TextUnavailable(f"{item['id']}: no {name} in the texts directory {texts}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TextUnavailable(f"{item['id']}: {name} cannot be read ({exc})") from None
    found = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if found != item.get("sha256"):
        raise TextUnavailable(
            f"{item['id']}: {name} is not the copy that was annotated "
            f"(sha256 {found[:12]}…, the gold line's {str(item.get('sha256'))[:12]}…)"
        )
    return {**item, "text": text}


def evaluate(lines, texts: Path | None = None) -> dict:
    """Figures' scores at the top level (as before statements were scored), statements' under
    "statements" when the set annotates them. Lines whose text is unavailable are listed under
    "skipped", one reason each, and left out of every score."""
    items, skipped = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = with_text(json.loads(line), texts)
        except TextUnavailable as exc:
            skipped.append(f"line {number}: {exc}; skipped")
            continue
        items.append(score_item(item))
    report = {"items": len(items), **_summary(items)}
    if skipped:
        report["skipped"] = skipped
    with_statements = [i["statements"] for i in items if "statements" in i]
    if with_statements:
        report["statements"] = {"items": len(with_statements), **_summary(with_statements)}
    report["problems"] = [
        i
        for i in items
        if i["extra"]
        or i["missed"]
        or i["wrong_speaker"]
        or any(i.get("statements", {}).get(k) for k in ("extra", "missed", "wrong_speaker"))
    ]
    return report
