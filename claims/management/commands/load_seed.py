import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from claims import services
from claims.models import Claim, Event
from claims.services.verification_notes import set_verification_note
from sources.models import Affiliation, Document, Source, SourceAlias

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
SEED_FILE = SEED_DIR / "ramadi-2015.json"


class Command(BaseCommand):
    help = "Load the AP report on the fall of Ramadi (18 May 2015) and every source and claim in it. Idempotent."

    def handle(self, *args, **options):
        seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
        with transaction.atomic(), services.run_by("loaded from the seed"):
            sources = self._sources(seed["sources"])
            self._affiliations(seed["affiliations"], sources)
            events = self._events(seed["events"])
            document = self._document(seed["document"], sources)
            self._claims(seed["claims"], sources, events, document)

    def _report(self, what: str, created: int, total: int) -> None:
        self.stdout.write(f"{what}: {created} created, {total - created} already present")

    def _sources(self, rows: list[dict]) -> dict[str, Source]:
        sources, created = {}, 0
        for row in rows:
            source = Source.objects.filter(kind=row["kind"], name=row["name"]).first()
            if source is None:
                source = Source(
                    kind=row["kind"],
                    name=row["name"],
                    description=row.get("description", ""),
                    country=row.get("country", ""),
                    wikidata_qid=row.get("wikidata_qid", ""),
                    parent=sources[row["parent"]] if "parent" in row else None,
                )
                services.save_source(source=source, user=None, reason="loaded from the seed")
                created += 1
            for alias in row.get("aliases", []):
                if not source.aliases.filter(name=alias).exists():
                    SourceAlias.objects.create(source=source, name=alias)
            sources[row["key"]] = source
        self._report("Sources", created, len(rows))
        return sources

    def _affiliations(self, rows: list[dict], sources: dict[str, Source]) -> None:
        created = 0
        for row in rows:
            person, organization = sources[row["person"]], sources[row["organization"]]
            if Affiliation.objects.filter(person=person, organization=organization, role=row["role"]).exists():
                continue
            affiliation = Affiliation(
                person=person,
                organization=organization,
                role=row["role"],
                start_date=_date(row.get("start_date")),
                end_date=_date(row.get("end_date")),
            )
            services.save_affiliation(affiliation=affiliation, user=None, reason="loaded from the seed")
            created += 1
        self._report("Affiliations", created, len(rows))

    def _events(self, rows: list[dict]) -> dict[str, Event]:
        events, created = {}, 0
        for row in rows:
            event = Event.objects.filter(name=row["name"]).first()
            if event is None:
                event = Event(
                    name=row["name"],
                    description=row.get("description", ""),
                    place=row.get("place", ""),
                    country=row.get("country", ""),
                    start_date=_date(row.get("start_date")),
                    end_date=_date(row.get("end_date")),
                )
                event.full_clean()
                event.save()
                created += 1
            events[row["key"]] = event
        self._report("Events", created, len(rows))
        return events

    def _document(self, row: dict, sources: dict[str, Source]) -> Document:
        document, created = Document.objects.for_url(row["url"]).first(), 0
        if document is None:
            document = services.record_document(
                url=row["url"],
                outlet=sources[row["outlet"]],
                title=row["title"],
                text=(SEED_DIR / row["text_file"]).read_text(encoding="utf-8"),
                published_at=datetime.fromisoformat(row["published_at"]),
                language=row.get("language", "en"),
            )
            created = 1
        self._report("Documents", created, 1)
        return document

    def _verification_notes(self, claim: Claim, rows: list[dict]) -> None:
        """The report's own hedge on the appearances it covers, with where it stands in the text."""
        for row in rows:
            appearance = claim.appearances.filter(excerpt=row["excerpt"]).order_by("pk").first()
            if row.get("verification_note") and appearance is not None:
                set_verification_note(appearance=appearance, note=row["verification_note"], user=None)

    def _claims(self, rows: list[dict], sources, events, document: Document) -> None:
        created = 0
        for number, row in enumerate(rows, start=1):
            speaker = sources[row["speaker"]]
            known = Claim.objects.filter(speaker=speaker, text=row["text"]).first()
            if known is not None:
                self._verification_notes(known, row["appearances"])  # a seed loaded before notes were kept
                continue
            services.record_claim(
                speaker=speaker,
                text=row["text"],
                kind=row["kind"],
                quote=row.get("quote", ""),
                described_as=row.get("described_as", ""),
                said_on=_date(row.get("said_on")),
                event=events[row["event"]] if "event" in row else None,
                user=None,
                figures=[_figure(f) for f in row.get("figures", [])],
                appearances=[
                    {
                        "document": document,
                        "excerpt": a["excerpt"],
                        "speaker_role": a.get("speaker_role", ""),
                        "verification_note": a.get("verification_note", ""),
                        "relayed_by": [(sources[key], role) for key, role in a.get("relayed_by", [])],
                    }
                    for a in row["appearances"]
                ],
            )
            created += 1
            self.stdout.write(f"  claim {number}/{len(rows)}: {row['text'][:70]}")
        self._report("Claims", created, len(rows))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _figure(row: dict) -> dict:
    fields = dict(row)
    for bound in ("low", "high"):
        if bound in fields:
            fields[bound] = Decimal(fields[bound])
    for day in ("period_start", "period_end"):
        if day in fields:
            fields[day] = _date(fields[day])
    return fields
