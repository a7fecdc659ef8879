import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intake.extraction.evaluation import evaluate

GOLD_DIR = Path(__file__).resolve().parents[2] / "extraction" / "gold"
DEFAULT_GOLD = GOLD_DIR / "gold.jsonl"
# Where the real articles' texts are looked for when --texts is not given. They are not in the
# repository: the gold lines hold their address, hash and annotations, not their words.
TEXTS_ENV = "EXTRACTOR_TEXTS"


class Command(BaseCommand):
    help = (
        "Score the extractor on a gold set (JSONL): precision, recall and speaker accuracy of figures, "
        "and of statements where the set annotates them. --all scores every bundled set, each apart. "
        f"Lines without text (real articles) read <id>.txt from --texts DIR or ${TEXTS_ENV}."
    )

    def add_arguments(self, parser):
        parser.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD), help="Gold JSONL (default: the bundled set).")
        parser.add_argument("--all", action="store_true", help="Score every bundled gold set, one report each.")
        parser.add_argument("--problems", action="store_true", help="List every extra, missed or misattributed item.")
        parser.add_argument(
            "--texts",
            default=os.environ.get(TEXTS_ENV) or None,
            help=f"Directory of <id>.txt for gold lines that carry no text (default: ${TEXTS_ENV}).",
        )

    def handle(self, *args, gold, problems, texts, **options):
        texts = Path(texts) if texts else None
        if texts is not None and not texts.is_dir():
            raise CommandError(f"The texts directory {texts} does not exist.")
        if options["all"]:
            reports = {path.name: self._report(path, texts) for path in sorted(GOLD_DIR.glob("*.jsonl"))}
            self.stdout.write(json.dumps({name: _summary(r) for name, r in reports.items()}, indent=2))
            found = [item for r in reports.values() for item in r["problems"]]
        else:
            reports = {Path(gold).name: self._report(Path(gold), texts)}
            (report,) = reports.values()
            self.stdout.write(json.dumps(_summary(report), indent=2))
            found = report["problems"]
        for name, report in reports.items():
            for reason in report.get("skipped", []):
                self.stderr.write(f"{name} {reason}")
        if problems:
            for item in found:
                self.stdout.write(json.dumps(item, ensure_ascii=False))

    def _report(self, path: Path, texts: Path | None) -> dict:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            return evaluate(lines, texts=texts)
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path} is not a gold set: {exc!r}") from exc


def _summary(report: dict) -> dict:
    """The scores, and how many lines were skipped (their reasons go to stderr, one a line)."""
    summary = {k: v for k, v in report.items() if k not in ("problems", "skipped")}
    if report.get("skipped"):
        summary["skipped"] = len(report["skipped"])
        if not report["items"]:
            summary = {"skipped": len(report["skipped"]), "note": "no text at hand for any line: not scored"}
    return summary
