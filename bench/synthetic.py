"""Synthetic claims for benchmarks and scale tests, written in bulk.

The data is shaped like a desk's years of work: a few officials say most things (speakers
follow a Zipf distribution), each speaker speaks for an organization through an affiliation,
claims carry 1–3 figures with every qualifier, appear 1–4 times across outlets (some through a
relayer), and about 30% have evidence and 1–3 verdicts. Stored independence and statuses are
consistent with the rules the services apply, so generated claims behave like recorded ones.

Rows go in with COPY on PostgreSQL and executemany elsewhere, in batches, with explicit ids
following what is already there. The same seed on the same starting database gives the same
rows. History is not generated: these rows were never edited by anyone.
"""

import bisect
import hashlib
import itertools
import random
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models

from claims import bulk_rendering
from claims.models import (
    Appearance,
    ChainLink,
    ChangeSequence,
    Claim,
    ClaimChange,
    ClaimRendering,
    Event,
    Evidence,
    Figure,
    Verdict,
)
from sources.models import Affiliation, Document, Source, SourceAlias

FIRST = """Ahmed Ali Omar Hassan Layla Sara Mona Karim Yusuf Rana Faisal Nadia Samir Huda Tariq Amal Walid Dina
Khalid Salma Jamal Reem Majid Noor Hadi Zainab Ibrahim Mariam Adel Lina Anna Peter Maria John Elena David Olga Ivan
Grace James Chen Wei Fatima Musa Amina Kofi Ana Luis Sofia Pedro""".split()  # noqa: SIM905
LAST = """Haddad Khalil Saleh Mansour Nasser Haidari Jaber Karim Aziz Rahman Obeidi Dulaimi Jubouri Tamimi Shammari
Rawi Hashimi Fahdawi Kubaisi Ani Hamdani Zubaidi Smith Novak Petrov Garcia Okafor Mensah Silva Costa Ivanova Kowalski
Schmidt Moreau Rossi Yilmaz Demir Sato Tanaka Nguyen Mwangi Abebe Diallo Toure Haile Bakr Suleiman Qasim Latif
Hamid""".split()  # noqa: SIM905
ROLES = "spokesman spokeswoman governor minister director commander mayor official deputy head".split()  # noqa: SIM905
ORG_KINDS = """Ministry of Interior|Ministry of Health|Provincial Council|Police Command|Civil Defence|Red Crescent|
Human Rights Office|Military Command|Hospital|Relief Agency|Monitoring Group|Tribal Council""".replace("\n", "").split(
    "|"
)
PLACES = """Ramadi Fallujah Mosul Tikrit Baiji Haditha Samarra Kirkuk Hit Rutba Qaim Baquba Hilla Basra Najaf Karbala
Aleppo Homs Idlib Raqqa Deir Palmyra Sanaa Aden Taiz Hodeidah Marib Tripoli Benghazi Sirte Misrata Gao Mopti Kidal
Timbuktu Goma Beni Bunia Juba Malakal Bentiu Kabul Kandahar Herat Kunduz Mariupol Bakhmut Kherson Izium""".split()  # noqa: SIM905
POPULATIONS = ["", "", "civilians", "police", "soldiers", "residents", "militants", "children", "aid workers"]
METRICS = ["killed", "killed", "killed", "wounded", "wounded", "displaced", "arrested", "missing", "deployed"]
PREDICATES = {
    "killed": "were killed",
    "wounded": "were wounded",
    "displaced": "were displaced",
    "arrested": "were arrested",
    "missing": "were missing",
    "deployed": "arrived",
}
QUALIFIERS = ["exact", "at_least", "more_than", "at_most", "approximately", "range", "vague"]
VAGUE = ["hundreds", "dozens", "thousands", "scores", "many", "a handful"]
QUALIFIER_WORDS = {"exact": "", "at_least": "at least ", "more_than": "more than ", "at_most": "as many as "}
STATEMENTS = [
    "Security forces have retaken the centre of {place}",
    "The road between {place} and {other} is open again",
    "Aid convoys reached {place} for the first time in weeks",
    "The hospital in {place} is running out of medicine",
    "Militants withdrew from the outskirts of {place}",
    "Power and water have been restored in {place}",
    "The curfew in {place} will be lifted on Friday",
    "Reinforcements are on their way to {place}",
    "Schools in {place} will reopen next month",
    "The dam near {place} is at risk of collapse",
]
OUTLET_NAMES = "Wire Post Times Herald Tribune Daily Observer Chronicle Monitor Gazette Journal Radio".split()  # noqa: SIM905
START = datetime(2016, 1, 1, tzinfo=UTC)
END = datetime(2026, 10, 31, tzinfo=UTC)


@dataclass
class Plan:
    """How many of each kind of row a run of `claims` claims makes."""

    claims: int
    people: int = 0
    organizations: int = 0
    outlets: int = 0
    events: int = 0

    def __post_init__(self):
        self.people = self.people or max(20, self.claims // 100)
        self.organizations = self.organizations or max(6, self.people // 20)
        self.outlets = self.outlets or max(5, min(300, self.claims // 3000))
        self.events = self.events or max(3, self.claims // 2000)


class BulkWriter:
    """Appends rows with explicit ids: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self._next: dict[type, int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        if model not in self._next:
            self._next[model] = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
        value = self._next[model]
        self._next[model] += 1
        return value

    def write(self, model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [  # a column the database fills by its own default may be left out
            name for name, f in fields.items() if not f.null and not f.has_db_default() and name not in columns
        ]
        if missing:  # the schema grew a required column this generator does not fill
            raise RuntimeError(f"{model.__name__}: the generator does not set {', '.join(missing)}")
        table = connection.ops.quote_name(model._meta.db_table)
        # A name that is no field is a column only the database knows (claims_claim.outlet_ids).
        names = ", ".join(connection.ops.quote_name(fields[c].column if c in fields else c) for c in columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + len(rows)

    @contextmanager
    def keys_and_indexes_rebuilt_at_the_end(self, models_: list[type[models.Model]], progress=print):
        """On PostgreSQL, drop the foreign keys and secondary indexes of `models_` while loading,
        then add them back, as pg_restore does.

        Adding a key back checks every row in one join, where a key left in place checks each
        row on its own at commit; an index built once is faster than one grown row by row.
        Primary keys and unique constraints stay. The whole run is one transaction, so a
        failure restores everything. The tables are locked meanwhile: a bulk load is not for a
        desk at work.
        """
        if connection.vendor != "postgresql":
            yield
            return
        tables = [m._meta.db_table for m in models_]
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the checks already queued: keys can't drop under them
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
                [tables],
            )
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _ in keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            # The generator writes each claim's outlets itself; the trigger would update the claim
            # again for every appearance.
            cursor.execute("ALTER TABLE claims_appearance DISABLE TRIGGER claims_appearance_outlets")
        yield
        progress(f"building {len(indexes)} indexes and checking {len(keys)} foreign keys")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE claims_appearance ENABLE TRIGGER claims_appearance_outlets")
            for _, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are initially deferred

    def reset_sequences(self) -> None:
        """Let ordinary inserts continue after the explicit ids (SQLite follows on its own)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in self._next:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", [table]
                )


BULK_TABLES = [Document, Claim, Figure, Appearance, ChainLink, Evidence, Verdict]


@dataclass
class Speaker:
    id: int
    name: str
    tree: int | None  # root organization of the speaker's affiliation
    organization: str


@dataclass
class Generator:
    plan: Plan
    seed: int = 1
    batch: int = 10_000
    progress: Callable[[str], None] = print
    writer: BulkWriter = field(default_factory=BulkWriter)

    def run(self) -> dict[str, int]:
        self.rng = random.Random(self.seed)
        self.outlets_on_claims = connection.vendor == "postgresql"
        self._users()
        self._sources()
        self._events()
        done = 0
        self._seq = ChangeSequence.objects.values_list("last", flat=True).first() or 0
        span = (END - START) / max(1, self.plan.claims)
        first = self.writer.next_id(Claim)
        self.writer._next[Claim] = first  # peeked, not taken
        with self.writer.keys_and_indexes_rebuilt_at_the_end(BULK_TABLES, self.progress):
            while done < self.plan.claims:
                size = min(self.batch, self.plan.claims - done)
                self._claims(done, size, span)
                done += size
                self.progress(f"claims {done:,}/{self.plan.claims:,}")
        ChangeSequence.objects.update_or_create(pk=1, defaults={"last": self._seq})
        self.writer.reset_sequences()
        # Renderings last, built from the rows as stored (and their indexes, rebuilt by now).
        rendered = bulk_rendering.store_all(
            first=first, batch=self.batch, progress=lambda n, total: self.progress(f"renderings {n:,}/{total:,}")
        )
        self.writer.counts[ClaimRendering._meta.label] = rendered
        return self.writer.counts

    # People, organizations, outlets

    def _users(self):
        User = get_user_model()
        self.reviewer, _ = User.objects.get_or_create(username="generated-reviewer", defaults={"is_active": False})
        self.editor, _ = User.objects.get_or_create(username="generated-editor", defaults={"is_active": False})

    def _sources(self):
        rng, w, now = self.rng, self.writer, END
        columns = [
            "id",
            "kind",
            "name",
            "description",
            "country",
            "wikidata_qid",
            "parent_id",
            "created_at",
            "updated_at",
        ]
        tag = f"{self.seed}-{w.next_id(Source)}"  # names stay unique when the generator runs twice
        organizations, rows = [], []
        for n in range(self.plan.organizations):
            pk = w.next_id(Source)
            parent = rng.choice(organizations) if organizations and rng.random() < 0.3 else None
            name = f"{rng.choice(PLACES)} {rng.choice(ORG_KINDS)} {n + 1} ({tag})"
            organizations.append((pk, name, parent[2] if parent else pk))  # id, name, root of its tree
            rows.append((pk, "organization", name, "", "IQ", "", parent[0] if parent else None, now, now))
        w.write(Source, columns, rows)
        self.organizations = organizations

        outlets, rows = [], []
        for n in range(self.plan.outlets):
            pk = w.next_id(Source)
            name = f"The {rng.choice(PLACES)} {rng.choice(OUTLET_NAMES)} {n + 1} ({tag})"
            outlets.append((pk, name, f"outlet{n + 1}-{tag}.example"))
            rows.append((pk, "outlet", name, "", "", "", None, now, now))
        w.write(Source, columns, rows)
        self.outlets = outlets

        people, rows, affiliations, aliases = [], [], [], []
        for n in range(self.plan.people):
            pk = w.next_id(Source)
            name = f"{rng.choice(FIRST)} {chr(65 + n % 26)}. {rng.choice(LAST)} {n + 1}"
            rows.append((pk, "person", name, "", "IQ", "", None, now, now))
            org_id, org_name, root = rng.choice(organizations)
            role = rng.choice(ROLES)
            affiliations.append((w.next_id(Affiliation), pk, org_id, role, None, None))
            if rng.random() < 0.1:  # an earlier post, ended before the period the claims cover
                earlier = rng.choice(organizations)
                if earlier[2] != root:
                    affiliations.append(
                        (w.next_id(Affiliation), pk, earlier[0], "adviser", date(2010, 1, 1), date(2015, 12, 31))
                    )
            if rng.random() < 0.1:
                aliases.append((w.next_id(SourceAlias), pk, name.split(" ")[-2]))
            people.append(Speaker(pk, name, root, f"{role}, {org_name}"))
        w.write(Source, columns, rows)
        w.write(Affiliation, ["id", "person_id", "organization_id", "role", "start_date", "end_date"], affiliations)
        w.write(SourceAlias, ["id", "source_id", "name"], aliases)
        self.people = people
        # Zipf: the speaker of rank r says about 1/r of what the first one says.
        self._speaker_weights = list(itertools.accumulate(1 / (r + 1) ** 1.07 for r in range(len(people))))
        self.progress(
            f"sources: {len(organizations):,} organizations, {len(outlets):,} outlets, {len(people):,} people"
        )

    def _events(self):
        rng, w = self.rng, self.writer
        rows, self.events = [], []
        for _n in range(self.plan.events):
            pk = w.next_id(Event)
            place = rng.choice(PLACES)
            start = START.date() + timedelta(days=rng.randrange((END - START).days))
            rows.append((pk, f"Fighting in {place}, {start:%B %Y} ({self.seed}-{pk})", "", place, "IQ", start, None))
            self.events.append(pk)
        w.write(Event, ["id", "name", "description", "place", "country", "start_date", "end_date"], rows)

    # Claims and everything hanging off them

    def _speaker(self) -> Speaker:
        point = self.rng.random() * self._speaker_weights[-1]
        return self.people[bisect.bisect_left(self._speaker_weights, point)]

    def _figure(self, claim_id: int, said_on: date) -> tuple[tuple, str]:
        rng = self.rng
        metric, qualifier = rng.choice(METRICS), rng.choice(QUALIFIERS)
        population = rng.choice(POPULATIONS)
        value = Decimal(rng.choice([rng.randrange(1, 60), rng.randrange(10, 900), rng.randrange(100, 200_000)]))
        low = high = None
        vague = ""
        if qualifier in ("exact", "approximately"):
            low = high = value
            amount = ("about " if qualifier == "approximately" else "") + f"{value:,}"
        elif qualifier in ("at_least", "more_than"):
            low = value
            amount = QUALIFIER_WORDS[qualifier] + f"{value:,}"
        elif qualifier == "at_most":
            high = value
            amount = QUALIFIER_WORDS[qualifier] + f"{value:,}"
        elif qualifier == "range":
            low, high = value, value + rng.randrange(1, 500)
            amount = f"between {low:,} and {high:,}"
        else:
            vague = amount = rng.choice(VAGUE)
        period = said_on - timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.3 else None
        place = rng.choice(PLACES)
        who = f"{population} " if population else "people "
        words = f"{amount} {who}{PREDICATES[metric]} in {place}"
        row = (
            self.writer.next_id(Figure), claim_id, amount, metric, population, qualifier, low, high, vague,
            "people", "", period, said_on if period else None, place, "", None,
        )  # fmt: skip
        return row, words

    def _claims(self, offset: int, size: int, span: timedelta):
        rng, w = self.rng, self.writer
        claims, figures, appearances, links, evidence, verdicts, changes = [], [], [], [], [], [], []
        # Documents for this batch: each claim appears in 1–4 of them, in different outlets.
        documents = [w.next_id(Document) for _ in range(max(1, size // 3))]
        document_outlet = {pk: rng.choice(self.outlets) for pk in documents}
        document_parts: dict[int, list[tuple[int, str]]] = {pk: [] for pk in documents}  # appearance id, excerpt
        window_end = START + span * (offset + size)
        for n in range(size):
            pk = w.next_id(Claim)
            created = START + span * (offset + n) + timedelta(seconds=rng.randrange(60))
            said_on = (created - timedelta(days=rng.randrange(3))).date()
            speaker = self._speaker()
            kind = "figure" if rng.random() < 0.7 else "statement"
            if kind == "figure":
                parts = [self._figure(pk, said_on) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
                figures += [row for row, _ in parts]
                text = " and ".join(words for _, words in parts)
                text = text[0].upper() + text[1:]
            else:
                place, other = rng.sample(PLACES, 2)
                text = rng.choice(STATEMENTS).format(place=place, other=other)
            quote = f"{text}," if rng.random() < 0.4 else ""
            excerpt = f"{text}, {speaker.name} said."
            event = rng.choice(self.events) if rng.random() < 0.6 else None
            chains = []
            for document in rng.sample(documents, min(len(documents), rng.choice((1, 1, 2, 2, 3, 4)))):
                appearance = w.next_id(Appearance)
                document_parts[document].append((appearance, excerpt))
                appearances.append([appearance, pk, document, excerpt, None, None])
                chain = [speaker.id]
                if rng.random() < 0.15:
                    relayer = rng.choice(self.people)
                    if relayer.id != speaker.id:
                        chain.append(relayer.id)
                outlet = document_outlet[document][0]
                chain.append(outlet)
                chains.append(chain)
                for position, source in enumerate(chain):
                    role = speaker.organization.split(",")[0] if position == 0 else ""
                    links.append((w.next_id(ChainLink), appearance, position, source, role))

            status, version, updated = "unreviewed", 1, created
            changes.append((created, pk, "created", "unreviewed"))
            if rng.random() < 0.3:
                items = self._evidence(pk, speaker, chains, said_on, created)
                evidence += items
                verdict_statuses = self._verdicts_for(items)
            elif rng.random() < 0.2:
                verdict_statuses = ["unconfirmed"]
            else:
                verdict_statuses = []
            moment = created
            for index, verdict_status in enumerate(verdict_statuses):
                proposed = moment + timedelta(minutes=rng.randrange(10, 600))
                published = min(proposed + timedelta(minutes=rng.randrange(5, 240)), window_end)
                pending = index == len(verdict_statuses) - 1 and rng.random() < 0.1
                verdicts.append(
                    (
                        w.next_id(Verdict), pk, verdict_status, f"Rationale {index + 1}: {verdict_status}.", None,
                        self.reviewer.pk, proposed, None if pending else self.editor.pk, None if pending else published,
                    )
                )  # fmt: skip
                if not pending:
                    status, version, updated, moment = verdict_status, version + 1, published, published
                    changes.append((published, pk, "status_published", verdict_status))
            row = (pk, kind, text, quote, speaker.id, "", said_on, event, status, None, version, None, False, None,
                   "", created, updated)  # fmt: skip
            if self.outlets_on_claims:  # what the appearance trigger, off during the load, would have set
                row += (sorted({chain[-1] for chain in chains}),)
            claims.append(row)

        document_rows, offsets = [], {}
        for document in documents:
            position = 0
            for appearance_id, excerpt in document_parts[document]:
                offsets[appearance_id] = (position, position + len(excerpt))
                position += len(excerpt) + 1
            body = " ".join(excerpt for _, excerpt in document_parts[document])
            outlet = document_outlet[document]
            published = window_end - timedelta(hours=rng.randrange(1, 48))
            document_rows.append(
                (document, f"https://{outlet[2]}/{published:%Y/%m/%d}/report-{document}", outlet[0],
                 f"Report {document}", "", published, published, "en", body,
                 hashlib.sha256(body.encode()).hexdigest(), "", None, None, published, published)
            )  # fmt: skip
        for row in appearances:
            row[4], row[5] = offsets[row[0]]

        w.write(
            Document,
            ["id", "url", "outlet_id", "title", "byline", "published_at", "retrieved_at", "language", "text",
             "text_sha256", "previous_text_sha256", "text_changed_at", "republished_from_id", "created_at",
             "updated_at"],
            document_rows,
        )  # fmt: skip
        w.write(
            Claim,
            ["id", "kind", "text", "quote", "speaker_id", "described_as", "said_on", "event_id", "status",
             "superseded_by_id", "version", "created_by_id", "machine_suggested", "assigned_to_id", "review_reason",
             "created_at", "updated_at", *(["outlet_ids"] if self.outlets_on_claims else [])],
            claims,
        )  # fmt: skip
        w.write(
            Figure,
            ["id", "claim_id", "as_written", "metric", "population", "qualifier", "low", "high", "vague_text",
             "unit", "unit_of", "period_start", "period_end", "place", "note", "supersedes_id"],
            figures,
        )  # fmt: skip
        w.write(
            Appearance, ["id", "claim_id", "document_id", "excerpt", "start", "end"], [tuple(a) for a in appearances]
        )
        w.write(ChainLink, ["id", "appearance_id", "position", "source_id", "role"], links)
        w.write(
            Evidence,
            ["id", "claim_id", "stance", "evidence_claim_id", "document_id", "source_id", "stated_on", "note",
             "added_by_id", "independent", "independence_code", "independence_reason", "created_at"],
            evidence,
        )  # fmt: skip
        w.write(
            Verdict,
            ["id", "claim_id", "status", "rationale", "superseded_by_id", "proposed_by_id", "created_at",
             "published_by_id", "published_at"],
            verdicts,
        )  # fmt: skip
        rows = []
        for at, claim_id, kind, status in sorted(changes):
            self._seq += 1
            rows.append((w.next_id(ClaimChange), self._seq, claim_id, kind, status, at))
        w.write(ClaimChange, ["id", "seq", "claim_id", "kind", "status", "at"], rows)

    def _evidence(self, claim_id: int, speaker: Speaker, chains: list[list[int]], said_on, created) -> list[tuple]:
        """1–3 statements from organizations; independent unless in the speaker's own tree."""
        rng, items = self.rng, []
        relayed = {source for chain in chains for source in chain[1:]}
        for _ in range(rng.choice((1, 1, 2, 3))):
            org_id, org_name, root = rng.choice(self.organizations)
            if org_id in relayed:
                continue
            stance = rng.choice(["supports", "supports", "supports", "contradicts", "partly_supports"])
            if root == speaker.tree:
                tree = next(o[1] for o in self.organizations if o[0] == root)
                independent, code = False, "same_organization"
                reason = f"not independent: same organization tree as the speaker ({tree})"
            else:
                independent, code = True, "independent"
                reason = f"independent of {speaker.name}: no shared speaker, organization, chain or report"
            items.append(
                (self.writer.next_id(Evidence), claim_id, stance, None, None, org_id, said_on,
                 f"{org_name} {stance.replace('_', ' ')} the claim.", None, independent, code, reason, created)
            )  # fmt: skip
        return items

    def _verdicts_for(self, items: list[tuple]) -> list[str]:
        """Statuses the evidence justifies, oldest first; the last is the one that stands."""
        independent = {item[2] for item in items if item[9]}
        contradicted = any(item[2] == "contradicts" for item in items)
        if "contradicts" in independent:
            final = self.rng.choice(["disputed", "false"])
        elif contradicted:
            final = "false"
        elif "supports" in independent:
            final = "confirmed"
        else:
            final = "unconfirmed"
        earlier = ["unconfirmed"] * self.rng.choice((0, 0, 1, 2))
        return [*earlier, final]


def generate(claims: int, seed: int = 1, batch: int = 10_000, progress=print) -> dict[str, int]:
    return Generator(Plan(claims), seed=seed, batch=batch, progress=progress).run()


def row_counts(models_: Iterable[type[models.Model]] = ()) -> dict[str, int]:
    models_ = models_ or [Source, Affiliation, Event, Document, Claim, Figure, Appearance, ChainLink, Evidence, Verdict]
    return {m._meta.label: m.objects.count() for m in models_}
