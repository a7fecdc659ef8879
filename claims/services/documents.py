"""Documents: a published piece with its text snapshot and the snapshot's hash."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.services.evidence import (
    refresh_independence_around,
)
from claims.services.writes import (
    audit,
    changing,
    refuse_nul,
)
from sources.models import Document, Source, text_sha256
from sources.text import normalised_text


def record_document(
    *,
    url: str,
    outlet: Source,
    title: str,
    text: str = "",
    byline: str = "",
    published_at: datetime | None = None,
    retrieved_at: datetime | None = None,
    language: str = "en",
    republished_from: Document | None = None,
    user=None,
) -> Document:
    """Store a published piece with its text snapshot and the snapshot's SHA-256."""
    text = normalised_text(text)
    refuse_nul(url=url, title=title, text=text, byline=byline, language=language)
    refuse_long_article(text)
    document = Document(
        url=url,
        outlet=outlet,
        title=title,
        text=text,
        text_sha256=text_sha256(text),
        byline=byline,
        published_at=published_at,
        retrieved_at=retrieved_at or timezone.now(),
        language=language,
        republished_from=republished_from,
    )
    document.full_clean()
    with changing():
        audit(document, user, "document recorded").save()
    return document


def save_document(*, document: Document, user, reason: str = "document edited") -> Document:
    """Save an edited document, re-hashing its text so the snapshot and its hash never disagree."""
    document.text = normalised_text(document.text)
    refuse_nul(url=document.url, title=document.title, text=document.text, byline=document.byline)
    sha256 = text_sha256(document.text)
    if sha256 != document.text_sha256:  # a changed text; one kept from before a lower limit may stay
        refuse_long_article(document.text)
    document.text_sha256 = sha256
    document.full_clean()
    with changing():
        audit(document, user, reason).save()
        refresh_independence_around(documents=[document])  # wire copy is judged by text and origin
    return document


def refuse_long_article(text: str) -> None:
    """An article's text is at most MAX_ARTICLE_CHARS characters, however it arrives: pasted in
    the admin, imported, or recorded by a command."""
    limit = settings.MAX_ARTICLE_CHARS
    if len(text) > limit:
        message = f"The text is {len(text):,} characters, over the limit of {limit:,} (MAX_ARTICLE_CHARS)."
        raise ValidationError({"text": ValidationError(message, code="too_long")})
