import hashlib
import re
import unicodedata
from datetime import date
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sources.languages import validate_language_tag
from sources.text import normalised_text

WIKIDATA_QID_PATTERN = r"^Q[1-9][0-9]*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

# Query parameters that only say how a reader arrived, never which article it is.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "ocid"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The one spelling of an article's URL under which it is stored and looked up.

    Scheme and host are lowercased (an international host in its ASCII form), the default port,
    any user:password, the fragment and tracking parameters (utm_*, fbclid, ...) are dropped
    and a trailing slash is folded. Other query parameters are kept exactly as written.
    Raises ValueError for anything that is not an absolute http(s) URL.
    """
    if any(ord(c) < 32 or c == "\x7f" for c in url.strip()):
        raise ValueError("A URL cannot hold control characters.")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("Enter an absolute http:// or https:// URL.")
    try:
        host = parts.hostname.encode("idna").decode("ascii").lower()
        port = parts.port
    except (UnicodeError, ValueError) as exc:
        raise ValueError("The URL's host or port is not valid.") from exc
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    # Trailing white space goes with trailing slashes: dropping the fragment or tracking
    # parameters can leave it at the end, where spelling the result again would strip it.
    path = re.sub(r"[\s/]+$", "", parts.path) or "/"
    pairs = (pair.rstrip() for pair in parts.query.split("&"))
    query = "&".join(pair for pair in pairs if pair and not _is_tracking(pair))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(pair: str) -> bool:
    key = unquote_plus(pair.partition("=")[0]).lower()
    return key.startswith("utm_") or key in TRACKING_PARAMETERS


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CanonicalURLField(models.URLField):
    """A URL that is always stored in its canonical spelling, whichever path saves it."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return canonical_url(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid_url") from exc

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})

    def pre_save(self, model_instance, add):
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def folded(text: str) -> str:
    """Text without case or accents: "Muhannad Ḥaimour" and "muhannad haimour" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class SourceQuerySet(models.QuerySet):
    def named_like(self, words: str):
        """Sources whose name or an alias holds `words`, whatever the case and accents.

        PostgreSQL compares with unaccent() (migration sources.0004); elsewhere the names are
        folded in Python, which suits the small databases SQLite is for.
        """
        words = " ".join(words.split())
        if connections[self.db].vendor == "postgresql":
            return self.filter(
                Q(name__unaccent__icontains=words) | Q(aliases__name__unaccent__icontains=words)
            ).distinct()
        wanted = folded(words)
        names = [*self.values_list("pk", "name"), *SourceAlias.objects.values_list("source_id", "name")]
        return self.filter(pk__in={pk for pk, name in names if wanted in folded(name)})

    def matching(self, mention: str):
        """Sources whose name or one of whose aliases is `mention`, ignoring case."""
        mention = " ".join(mention.split())
        return self.filter(Q(name__iexact=mention) | Q(aliases__name__iexact=mention)).distinct()


class SourceKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"
    OUTLET = "outlet", "News outlet"
    UNNAMED = "unnamed", "Unnamed speaker"


class Source(models.Model):
    Kind = SourceKind

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200, db_index=True)
    description = models.TextField(blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(COUNTRY_PATTERN, "Use an ISO 3166-1 alpha-2 code such as IQ.")],
        help_text="ISO 3166-1 alpha-2 code, e.g. IQ, US.",
    )
    wikidata_qid = models.CharField(
        "Wikidata QID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(WIKIDATA_QID_PATTERN, "A Wikidata QID is Q followed by digits, e.g. Q1065.")],
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"kind__in": ["organization", "outlet"]},
        help_text="The organization this one is part of. People belong to organizations through affiliations.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values),
                name="source_valid_kind",
                violation_error_message="Choose a valid kind of source.",
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=COUNTRY_PATTERN),
                name="source_country_iso_alpha2",
                violation_error_message="Country must be an ISO 3166-1 alpha-2 code such as IQ.",
            ),
            models.CheckConstraint(
                condition=Q(wikidata_qid="") | Q(wikidata_qid__regex=WIKIDATA_QID_PATTERN),
                name="source_wikidata_qid_format",
                violation_error_message="A Wikidata QID is Q followed by digits, e.g. Q1065.",
            ),
            models.UniqueConstraint(
                fields=["wikidata_qid"],
                condition=~Q(wikidata_qid=""),
                name="source_unique_wikidata_qid",
                violation_error_message="Another source already has this Wikidata QID.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="source_not_own_parent",
                violation_error_message="An organization cannot be part of itself.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="person") | Q(parent__isnull=True),
                name="source_person_has_no_parent",
                violation_error_message="People belong to organizations through affiliations, not as parts of them.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # Only a form can offer these messages; the tree walks below stay safe on a cycle anyway.
        if self.parent_id and self.pk and self.pk in {s.pk for s in self.parent.lineage()}:
            raise ValidationError({"parent": "This would make the organization part of itself."})
        if self.pk and self.kind in (SourceKind.PERSON, SourceKind.UNNAMED) and self.members.exists():
            raise ValidationError({"kind": "People are affiliated with this source: it must stay an organization."})
        if self.pk and self.kind in (SourceKind.ORGANIZATION, SourceKind.OUTLET) and self.affiliations.exists():
            raise ValidationError({"kind": "This source holds roles at organizations: it must stay a person."})

    def lineage(self) -> list["Source"]:
        """This source and the organizations it is part of, innermost first."""
        chain, seen, node = [], set(), self
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def tree_root(self) -> "Source":
        return self.lineage()[-1]

    def affiliations_on(self, day: date | None):
        return self.affiliations.active_on(day).select_related("organization")

    def organization_trees(self, on: date | None) -> dict[int, "Source"]:
        """The top-level organizations this source speaks within on a day, by id.

        An organization or outlet is within its own tree; a person or an unnamed speaker is
        within the trees of the organizations they were affiliated with on that day.
        """
        trees = {}
        if self.kind in (SourceKind.ORGANIZATION, SourceKind.OUTLET) or self.parent_id:
            root = self.tree_root()
            trees[root.pk] = root
        for affiliation in self.affiliations_on(on):
            root = affiliation.organization.tree_root()
            trees[root.pk] = root
        return trees

    def role_on(self, day: date | None) -> "Affiliation | None":
        """The affiliation in force on `day`, latest started first. Uses prefetched affiliations."""
        active = [a for a in self.affiliations.all() if a.is_active_on(day)]
        active.sort(key=lambda a: (a.start_date or date.min, -a.pk), reverse=True)
        return active[0] if active else None

    def described_on(self, day: date | None) -> str:
        """ "Muhannad Haimour, spokesman, Anbar provincial government": the speaker with the role then."""
        affiliation = self.role_on(day) if self.kind == SourceKind.PERSON else None
        if affiliation is None:
            return self.name
        return f"{self.name}, {affiliation.role}, {affiliation.organization}"


class SourceAlias(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name"],
                name="source_alias_unique_per_source",
                violation_error_message="This source already has that alias.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="source_alias_not_blank", violation_error_message="An alias needs a name."
            ),
        ]

    def __str__(self):
        return self.name


class AffiliationQuerySet(models.QuerySet):
    def active_on(self, day: date | None):
        """Affiliations in force on `day`; with no day known, every affiliation counts."""
        if day is None:
            return self
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=day)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class Affiliation(models.Model):
    person = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        related_name="affiliations",
        limit_choices_to={"kind__in": ["person", "unnamed"]},
    )
    organization = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind__in": ["organization", "outlet"]},
    )
    role = models.CharField(max_length=200, help_text='As a report would give it: "spokesman", "Secretary of State".')
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["person__name", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_end_not_before_start",
                violation_error_message="An affiliation cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(person=models.F("organization")),
                name="affiliation_not_self",
                violation_error_message="A source cannot be affiliated with itself.",
            ),
            models.CheckConstraint(
                condition=~Q(role=""), name="affiliation_role_not_blank", violation_error_message="Give the role."
            ),
        ]

    def __str__(self):
        return f"{self.person}, {self.role}, {self.organization}"

    def is_active_on(self, day: date | None) -> bool:
        if day is None:
            return True
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or self.end_date >= day)


class DocumentQuerySet(models.QuerySet):
    def for_url(self, url: str):
        """Documents at `url` as any reader might paste it (tracking parameters and all)."""
        try:
            return self.filter(url=canonical_url(url))
        except ValueError:
            return self.none()


class Document(models.Model):
    url = CanonicalURLField(max_length=2000, unique=True)
    outlet = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="documents", limit_choices_to={"kind": "outlet"}
    )
    title = models.CharField(max_length=500)
    byline = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retrieved_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=16, default="en", validators=[validate_language_tag], help_text="BCP 47 tag, e.g. en, ar."
    )
    text = models.TextField(blank=True, help_text="The text as retrieved; claim offsets point into it.")
    text_sha256 = models.CharField("text SHA-256", max_length=64)  # set by claims.services, read-only in admin
    previous_text_sha256 = models.CharField(
        "previous text SHA-256",
        max_length=64,
        blank=True,
        help_text="The snapshot's hash before its text last changed.",
    )
    text_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a re-import found the article's text changed."
    )
    republished_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="republications",
        help_text="The original report when this is wire copy republished elsewhere.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "pk"]
        # An outlet's latest documents: the review queue's outlet filter lists the most recent.
        indexes = [models.Index(F("outlet"), F("published_at").desc(), name="document_outlet_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(text_sha256__regex=SHA256_PATTERN),
                name="document_text_sha256_hex",
                violation_error_message="The text's SHA-256 must be recorded with it.",
            ),
            models.CheckConstraint(
                condition=~Q(republished_from=models.F("id")),
                name="document_not_republication_of_itself",
                violation_error_message="A document cannot be a republication of itself.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="document_title_not_blank", violation_error_message="Give the title."
            ),
        ]

    def __str__(self):
        return self.title

    def original_report(self) -> "Document":
        """The report this one republishes, following wire copy back to its first publication."""
        node, seen = self, set()
        while node.republished_from_id and node.republished_from_id not in seen:
            seen.add(node.pk)
            node = node.republished_from
        return node

    def text_matches(self, text: str) -> bool:
        """Whether `text` (a fresh retrieval, say) is the snapshot stored here."""
        return text_sha256(normalised_text(text)) == self.text_sha256

    def excerpt_at(self, start: int, end: int) -> str:
        return self.text[start:end]
