import sys
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from claims import services
from intake import services as intake_services
from sources.models import Source


class Command(BaseCommand):
    help = "Store an article (its text and SHA-256) and the candidate claims found in it, for review."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The article's text, or - for standard input.")
        parser.add_argument("--url", required=True)
        parser.add_argument("--outlet", required=True, help="The outlet's name or alias; a new outlet is made if none.")
        parser.add_argument("--title", required=True)
        parser.add_argument("--published", help="YYYY-MM-DD or an ISO 8601 time.")
        parser.add_argument("--byline", default="")
        parser.add_argument("--language", help="BCP 47 tag (en, ar, pt-BR); detected from the text when not given.")

    def handle(self, *args, path, url, outlet, title, published, byline, language, **options):
        raw = sys.stdin.buffer.read() if path == "-" else self._read(path)
        text = _plain_text(raw, "standard input" if path == "-" else path)
        try:
            published_at = _when(published) if published else None
        except ValueError as exc:
            raise CommandError(f"--published: {exc}") from exc
        try:
            with transaction.atomic():  # a new outlet is kept only with its article
                source = Source.objects.matching(outlet).filter(kind=Source.Kind.OUTLET).first()
                if source is None:
                    source = services.save_source(
                        source=Source(kind=Source.Kind.OUTLET, name=outlet), user=None, reason="import_article"
                    )
                    self.stdout.write(f"New outlet: {source.name}")
                document, outcome, candidates = intake_services.import_article(
                    url=url, outlet=source, title=title, text=text, user=None,
                    published_at=published_at, byline=byline, language=language,
                )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(f"Document {document.pk} ({document.url}): {outcome}; sha256 {document.text_sha256}")
        for candidate in candidates:
            match = (
                f"  [repeats claim {candidate.match_claim_id}: {candidate.match_reason}]"
                if candidate.match_claim_id
                else ""
            )
            self.stdout.write(f"  candidate {candidate.pk}: {candidate.speaker_name}: {candidate.text[:70]}{match}")
        self.stdout.write(f"{len(candidates)} candidate(s) to review.")

    def _read(self, path):
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc


def _plain_text(raw: bytes, name: str) -> str:
    """The article as UTF-8 text, refused where it is not: nothing is replaced or dropped, so the
    stored text, its hash and its offsets are what the file holds."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{name}: not UTF-8 text (byte {exc.start}); convert it to UTF-8 first.") from exc
    if "\x00" in text:
        raise CommandError(
            f"{name}: a NUL byte at character {text.index(chr(0))}; this looks like a binary file, "
            "give the article as plain text."
        )
    return text


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value) if "T" in value else datetime.combine(datetime.fromisoformat(value), time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
