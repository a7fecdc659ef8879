"""Writes of sources and affiliations: each re-judges the evidence its change can touch (the
organization tree, who belongs to what) and shows the claims that print the source changed.
The admin, the imports and intake all save sources through here."""

from django.db import transaction

from claims.services.evidence import refresh_independence_around
from claims.services.writes import audit, refuse_nul
from sources.models import Affiliation, Source


def save_source(*, source: Source, user, reason: str = "source saved") -> Source:
    """Create or edit a source, checked by its own rules, and re-judge around it and around the
    organization it left, if its parent changed."""
    refuse_nul(name=source.name, description=source.description)
    with transaction.atomic():
        former_parent = Source.objects.filter(pk=source.pk).values_list("parent", flat=True).first()
        source.full_clean()
        audit(source, user, reason).save()
        refresh_independence_around(sources=Source.objects.filter(pk__in={source.pk, former_parent} - {None}))
    return source


def save_affiliation(*, affiliation: Affiliation, user, reason: str = "affiliation saved") -> Affiliation:
    """Create or edit a person's affiliation; re-judge around both ends, old and new."""
    with transaction.atomic():
        former = Affiliation.objects.filter(pk=affiliation.pk).values_list("person", "organization").first() or ()
        affiliation.full_clean()
        audit(affiliation, user, reason).save()
        ends = {affiliation.person_id, affiliation.organization_id, *former}
        refresh_independence_around(sources=Source.objects.filter(pk__in=ends))
    return affiliation


def delete_affiliation(*, affiliation: Affiliation, user) -> None:
    with transaction.atomic():
        ends = [affiliation.person_id, affiliation.organization_id]
        audit(affiliation, user, "affiliation deleted").delete()
        refresh_independence_around(sources=Source.objects.filter(pk__in=ends))
