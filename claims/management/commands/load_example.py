"""A worked example beside the AP report, so that a first run shows a claim confirmed by an
independent source, a published verdict with its ClaimReview, and a figure superseded by a
later one. Everything in it is fictional and says so; the AP claims are left as the report
gives them. Recorded through the services, as a desk would. Idempotent."""

from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from claims import services
from claims.models import Claim, Event
from claims.roles import EDITOR, REVIEWER
from sources.models import Affiliation, Document, Source

FICTION = "Fictional: part of the claim tracker's worked example."
DAY_ONE, DAY_TWO = date(2021, 3, 8), date(2021, 3, 9)
FIRST = "https://example.invalid/gazette/2021-03-08/flood-toll"
SECOND = "https://example.invalid/gazette/2021-03-09/flood-toll-rises"
FIRST_TEXT = (
    "At least 40 people died when the Example River burst its banks on Sunday, Governor Lena Example "
    "said on Monday. Rescue teams were still searching flooded villages."
)
SECOND_TEXT = (
    "The death toll from the Example River flood has risen to at least 52, Governor Lena Example said "
    "on Tuesday. Dr Amal Example, director of Example City Hospital, said the hospital had received 52 "
    "bodies since Sunday."
)


class Command(BaseCommand):
    help = (
        "Load the worked example (fictional, and marked so): a governor's flood toll, revised the next day "
        "and confirmed by an independent hospital, with published verdicts. Idempotent."
    )

    def handle(self, *args, **options):
        if Document.objects.filter(url=FIRST).exists():
            self.stdout.write("Worked example: already present.")
            return
        with transaction.atomic():
            reviewer, editor = self._desk()
            people = self._sources()
            event = Event.objects.create(
                name="Example River flood, March 2021 (worked example)",
                description=FICTION,
                place="Example Province",
                start_date=DAY_ONE,
            )
            gazette = people["gazette"]
            first = services.record_document(
                url=FIRST, outlet=gazette, title="Flood kills at least 40", text=FIRST_TEXT,
                published_at=datetime(2021, 3, 8, 12, tzinfo=UTC), user=reviewer,
            )  # fmt: skip
            second = services.record_document(
                url=SECOND, outlet=gazette, title="Flood toll rises to 52", text=SECOND_TEXT,
                published_at=datetime(2021, 3, 9, 12, tzinfo=UTC), user=reviewer,
            )  # fmt: skip
            governor, doctor = people["governor"], people["doctor"]
            early = self._figure_claim(
                governor, event, first, DAY_ONE, "At least 40 people died in the Example River flood.",
                "At least 40 people died", 40, reviewer,
            )  # fmt: skip
            later = self._figure_claim(
                governor, event, second, DAY_TWO, "At least 52 people died in the Example River flood.",
                "risen to at least 52", 52, reviewer, supersedes=early.figures.get(),
            )  # fmt: skip
            count = self._figure_claim(
                doctor, event, second, DAY_TWO, "Example City Hospital received 52 bodies from the flood.",
                "the hospital had received 52 bodies", 52, reviewer, qualifier="exact",
            )  # fmt: skip
            services.add_evidence(
                claim=later, stance="supports", evidence_claim=count, added_by=reviewer,
                note="The hospital's own count, from its director, matches the governor's revised toll.",
            )  # fmt: skip
            self._decide(
                later, "confirmed", "An independent source, the hospital, counted the same 52.", reviewer, editor
            )
            self._decide(
                early, "superseded", "The governor revised the toll to at least 52 the next day.", reviewer, editor,
                superseded_by=later,
            )  # fmt: skip
        self.stdout.write(
            f"Worked example: 3 claims, 2 documents, 2 published verdicts (claim {later.pk} confirmed, "
            f"claim {early.pk} superseded by it). Fictional, and marked so."
        )

    def _desk(self):
        """Two desk members the example's verdicts are by: no password, so nobody logs in as them."""
        User = get_user_model()
        members = []
        for username, group in (("example-reviewer", REVIEWER), ("example-editor", EDITOR)):
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(Group.objects.get(name=group))
            members.append(User.objects.get(pk=user.pk))  # fresh, so its permissions are read anew
        return members

    def _sources(self) -> dict[str, Source]:
        def source(kind, name):
            found = Source.objects.filter(kind=kind, name=name).first()
            return found or services.save_source(
                source=Source(kind=kind, name=name, description=FICTION), user=None, reason="worked example"
            )

        def affiliation(person, organization, role):
            if not Affiliation.objects.filter(person=person, organization=organization).exists():
                services.save_affiliation(
                    affiliation=Affiliation(person=person, organization=organization, role=role),
                    user=None,
                    reason="worked example",
                )

        province = source("organization", "Example Province government")
        hospital = source("organization", "Example City Hospital")
        governor = source("person", "Lena Example")
        doctor = source("person", "Amal Example")
        affiliation(governor, province, "governor")
        affiliation(doctor, hospital, "director")
        return {"gazette": source("outlet", "The Example Gazette"), "governor": governor, "doctor": doctor}

    def _figure_claim(self, speaker, event, document, said_on, text, excerpt, number, user, **figure) -> Claim:
        qualifier = figure.pop("qualifier", "at_least")
        return services.record_claim(
            speaker=speaker, text=text, kind="figure", said_on=said_on, event=event, user=user,
            figures=[{"as_written": excerpt, "metric": "killed", "qualifier": qualifier, "low": number,
                      **({"high": number} if qualifier == "exact" else {}), "place": "Example Province", **figure}],
            appearances=[{"document": document, "excerpt": excerpt}],
        )  # fmt: skip

    def _decide(self, claim, status, rationale, reviewer, editor, superseded_by=None):
        proposed = services.propose_verdict(
            claim=claim, status=status, rationale=rationale, reviewer=reviewer, superseded_by=superseded_by
        )
        services.publish_verdict(verdict=proposed, editor=editor)
