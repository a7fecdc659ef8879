import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intake.extraction.evaluation import evaluate

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "extraction" / "gold" / "gold.jsonl"


class Command(BaseCommand):
    help = "Score the extractor on a gold set (JSONL): precision, recall and speaker accuracy."

    def add_arguments(self, parser):
        parser.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD), help="Gold JSONL (default: the bundled set).")
        parser.add_argument("--problems", action="store_true", help="List every extra, missed or misattributed figure.")

    def handle(self, *args, gold, problems, **options):
        try:
            lines = Path(gold).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"Cannot read {gold}: {exc.strerror}") from exc
        try:
            report = evaluate(lines)
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{gold} is not a gold set: {exc}") from exc
        summary = {k: v for k, v in report.items() if k != "problems"}
        self.stdout.write(json.dumps(summary, indent=2))
        if problems:
            for item in report["problems"]:
                self.stdout.write(json.dumps(item, ensure_ascii=False))
