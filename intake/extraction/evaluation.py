"""Precision and recall of attributed figure claims, and speaker accuracy, against a gold set.

Each gold line is {"id", "published", "text", "figures": [{"speaker": [names...], "metric",
"qualifier", "low", "high" | "vague_text", "optional"?}]}. A found figure matches a gold figure
with the same metric, qualifier and bounds (or vague words); each gold figure matches once.
Optional gold figures count when found and are not missed when not.
"""

import json
import re
from datetime import date

from intake.extraction import extract


def _same_amount(found: dict, gold: dict) -> bool:
    """The same reading of the figure: qualifier and both bounds (or the vague words)."""
    if found["qualifier"] != gold.get("qualifier"):
        return False
    if found["qualifier"] == "vague":
        return found["vague_text"].lower() == (gold.get("vague_text") or "").lower()
    return (found["low"], found["high"]) == (gold.get("low"), gold.get("high"))


def _speaker_right(speaker: dict, gold: dict) -> bool:
    """The name found is one the gold allows (case and a leading article aside)."""

    def fold(value: str) -> str:
        return re.sub(r"^(?:the|a|an)\s+", "", " ".join(value.lower().split()))

    allowed = {fold(name) for name in gold["speaker"]}
    return fold(speaker["name"]) in allowed or fold(speaker["mention"]) in allowed


def score_item(item: dict) -> dict:
    published = date.fromisoformat(item["published"]) if item.get("published") else None
    found = [
        (candidate["speaker"], figure)
        for candidate in extract(item["text"], published=published)
        for figure in candidate["figures"]
    ]
    gold = list(item["figures"])
    used, matched, wrong_speaker, extra = set(), 0, [], []
    for speaker, figure in found:
        match = next(
            (
                i
                for i, g in enumerate(gold)
                if i not in used and g["metric"] == figure["metric"] and _same_amount(figure, g)
            ),
            None,
        )
        if match is None:
            extra.append(figure["text"])
            continue
        used.add(match)
        matched += 1
        if not _speaker_right(speaker, gold[match]):
            wrong_speaker.append((figure["text"], speaker["name"], gold[match]["speaker"][0]))
    required = [i for i, g in enumerate(gold) if not g.get("optional")]
    missed = [gold[i] for i in required if i not in used]
    return {
        "id": item.get("id"),
        "found": len(found),
        "matched": matched,
        "gold": len(required),
        "gold_found": len([i for i in required if i in used]),
        "speaker_right": matched - len(wrong_speaker),
        "extra": extra,
        "missed": [f"{g['metric']} {g.get('low') or g.get('vague_text')}-{g.get('high')}" for g in missed],
        "wrong_speaker": wrong_speaker,
    }


def evaluate(lines) -> dict:
    items = [score_item(json.loads(line)) for line in lines if line.strip()]
    found = sum(i["found"] for i in items)
    matched = sum(i["matched"] for i in items)
    gold = sum(i["gold"] for i in items)
    gold_found = sum(i["gold_found"] for i in items)
    speaker_right = sum(i["speaker_right"] for i in items)
    return {
        "items": len(items),
        "precision": round(matched / found, 3) if found else 1.0,
        "recall": round(gold_found / gold, 3) if gold else 1.0,
        "speaker_accuracy": round(speaker_right / matched, 3) if matched else 1.0,
        "found": found,
        "matched": matched,
        "gold": gold,
        "problems": [i for i in items if i["extra"] or i["missed"] or i["wrong_speaker"]],
    }
