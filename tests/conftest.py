from io import StringIO

import pytest
from django.core.management import call_command

from claims import services
from claims.models import Claim
from sources.models import Source


@pytest.fixture
def seed(db):
    out = StringIO()
    call_command("load_seed", stdout=out)
    return out.getvalue()


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("rev", password="pw-rev-12345", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, reviewer):
    client.force_login(reviewer)
    return client


def source(name: str) -> Source:
    return Source.objects.get(name=name)


def seed_claim(text_start: str) -> Claim:
    return Claim.objects.get(text__startswith=text_start)


@pytest.fixture
def killed_500(seed) -> Claim:
    """Haimour's "at least 500 killed", as the seed records it."""
    return seed_claim("Islamic State militants killed at least 500")


@pytest.fixture
def displaced_114000(seed) -> Claim:
    """The UN's "as many as 114,000" displaced, relayed by Haimour to AP."""
    return seed_claim("As many as 114,000")


@pytest.fixture
def hospital_director(db) -> Source:
    """A source with no tie to the Anbar authorities: a hospital director in Ramadi."""
    hospital = Source.objects.create(kind="organization", name="Ramadi General Hospital", country="IQ")
    director = Source.objects.create(kind="person", name="Ahmed Hospital-Director", country="IQ")
    director.affiliations.create(organization=hospital, role="director")
    return director


def support(claim: Claim, user, **basis):
    return services.add_evidence(claim=claim, stance="supports", note="Says the same.", added_by=user, **basis)


def contradict(claim: Claim, user, **basis):
    return services.add_evidence(claim=claim, stance="contradicts", note="Says otherwise.", added_by=user, **basis)
