import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intake.extraction.evaluation import evaluate

GOLD_DIR = Path(__file__).resolve().parents[2] / "extraction" / "gold"
DEFAULT_GOLD = GOLD_DIR / "gold.jsonl"


class Command(BaseCommand):
    help = (
        "Score the extractor on a gold set (JSONL): precision, recall and speaker accuracy of figures, "
        "and of statements where the set annotates them. --all scores every bundled set, each apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD), help="Gold JSONL (default: the bundled set).")
        parser.add_argument("--all", action="store_true", help="Score every bundled gold set, one report each.")
        parser.add_argument("--problems", action="store_true", help="List every extra, missed or misattributed item.")

    def handle(self, *args, gold, problems, **options):
        if options["all"]:
            reports = {path.name: self._report(path) for path in sorted(GOLD_DIR.glob("*.jsonl"))}
            self.stdout.write(json.dumps({name: _summary(r) for name, r in reports.items()}, indent=2))
            found = [item for r in reports.values() for item in r["problems"]]
        else:
            report = self._report(Path(gold))
            self.stdout.write(json.dumps(_summary(report), indent=2))
            found = report["problems"]
        if problems:
            for item in found:
                self.stdout.write(json.dumps(item, ensure_ascii=False))

    def _report(self, path: Path) -> dict:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        try:
            return evaluate(lines)
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path} is not a gold set: {exc!r}") from exc


def _summary(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "problems"}
