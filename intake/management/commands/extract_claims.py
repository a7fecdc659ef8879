import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from intake.candidates import resolve_source
from intake.extraction import NulInText, extract
from sources.models import text_sha256
from sources.text import normalised_text


class Command(BaseCommand):
    help = (
        'Print the candidate attributed claims in a news text as JSON ({"sha256", "candidates": [...]}). '
        "The text is normalised first (line endings, Unicode NFC), as a document's is when stored: "
        "offsets and the hash are those of the stored text."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A text file, or - for standard input.")
        parser.add_argument("--published", help="The article's date, YYYY-MM-DD, for 'on Sunday' and the like.")

    def handle(self, *args, path, published, **options):
        try:
            day = date.fromisoformat(published) if published else None
        except ValueError as exc:
            raise CommandError(f"--published: {exc}") from exc
        raw = sys.stdin.buffer.read() if path == "-" else _read(path)
        text = normalised_text(raw.decode("utf-8", errors="replace"))
        try:
            try:
                candidates = extract(text, published=day, resolve=resolve_source)
            except DatabaseError:
                # No migrated database here: speakers stay unresolved rather than the command failing.
                self.stderr.write(
                    "The database is not ready (run `python manage.py migrate`): speakers are not resolved."
                )
                candidates = extract(text, published=day)
        except NulInText as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(
            json.dumps({"sha256": text_sha256(text), "candidates": candidates}, ensure_ascii=False, indent=2)
        )


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
