import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from intake.candidates import resolve_source
from intake.extraction import extract


class Command(BaseCommand):
    help = 'Print the candidate attributed claims in a news text as JSON ({"candidates": [...]}).'

    def add_arguments(self, parser):
        parser.add_argument("path", help="A text file, or - for standard input.")
        parser.add_argument("--published", help="The article's date, YYYY-MM-DD, for 'on Sunday' and the like.")

    def handle(self, *args, path, published, **options):
        try:
            day = date.fromisoformat(published) if published else None
        except ValueError as exc:
            raise CommandError(f"--published: {exc}") from exc
        raw = sys.stdin.buffer.read() if path == "-" else _read(path)
        text = raw.decode("utf-8", errors="replace")
        try:
            candidates = extract(text, published=day, resolve=resolve_source)
        except DatabaseError:
            # No migrated database here: speakers stay unresolved rather than the command failing.
            self.stderr.write("The database is not ready (run `python manage.py migrate`): speakers are not resolved.")
            candidates = extract(text, published=day)
        self.stdout.write(json.dumps({"candidates": candidates}, ensure_ascii=False, indent=2))


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
