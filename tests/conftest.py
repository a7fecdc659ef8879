from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from api.models import ThrottleCount
from claims import services
from claims.models import Claim
from sources.models import Source


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed once per run; each test's transaction rolls its own changes back."""
    with django_db_blocker.unblock():
        call_command("load_seed", stdout=StringIO())


@pytest.fixture
def seed(db):
    """The seed demo. Loading it again here is a no-op, as load_seed promises."""
    out = StringIO()
    call_command("load_seed", stdout=out)
    return out.getvalue()


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("rev", is_staff=True, is_superuser=True)


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


def first_appearance(claim: Claim):
    """The claim's earliest appearance (by its document's publication), with the document."""
    from django.db.models import F

    order = F("document__published_at").asc(nulls_last=True)
    return claim.appearances.select_related("document").order_by(order, "pk").first()


def support(claim: Claim, user, **basis):
    return services.add_evidence(claim=claim, stance="supports", note="Says the same.", added_by=user, **basis)


def contradict(claim: Claim, user, **basis):
    return services.add_evidence(claim=claim, stance="contradicts", note="Says otherwise.", added_by=user, **basis)


def admin_form_data(response, **changes) -> dict:
    """The POST data an admin change page would send back unchanged, with `changes` applied."""
    data = {}
    form = response.context["adminform"].form
    from django.forms.formsets import BaseFormSet

    forms = [form]
    formsets = [inline.formset for inline in response.context["inline_admin_formsets"]]
    formsets += [value for value in vars(form).values() if isinstance(value, BaseFormSet)]  # a form's own
    for formset in formsets:
        forms += [formset.management_form, *formset.forms]
    for each in forms:
        for field in each:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    data.update(changes)
    return data


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("ed", is_staff=True, is_superuser=True)


def decide(claim: Claim, reviewer, status: str, rationale: str = "Reviewed against the evidence.", **kwargs):
    """Propose a verdict as `reviewer` and publish it as a second person, an editor."""
    from django.contrib.auth import get_user_model

    editor, _ = get_user_model().objects.get_or_create(
        username="second-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    expected_version = kwargs.pop("expected_version", None)
    proposed = services.propose_verdict(
        claim=claim, status=status, rationale=rationale, reviewer=reviewer, expected_version=expected_version, **kwargs
    )
    return services.publish_verdict(verdict=proposed, editor=editor)


def desk_member(username: str, group: str):
    """A staff user in one of the desk's groups ("Reviewer" or "Editor"), with only its permissions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def key_acting_for(user, name: str) -> str:
    """The Authorization header value of a newsroom key that writes with `user`'s role."""
    from claims.models import NewsroomKey

    _, key = NewsroomKey.objects.create_key(name=name, acts_as=user)
    return f"Api-Key {key}"


@pytest.fixture
def desk_reviewer(client, db):
    """A reviewer of the desk ("Reviewer" group only), logged in on `client`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("rita", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewer"))
    client.force_login(user)
    return user


@pytest.fixture
def newsroom_key(db):
    """A read-only key for one newsroom, and the header that sends it."""
    from claims.models import NewsroomKey

    key_object, key = NewsroomKey.objects.create_key(name="Daily Planet")
    return key_object, {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


@pytest.fixture
def api(client, newsroom_key):
    """A client that sends the newsroom key on every request."""
    client.defaults.update(newsroom_key[1])
    return client


# The authorization matrix (tests/test_authorization_matrix_*.py).


class World:
    """What the cells act on: a claim with a published verdict (so it has ClaimReview markup) and
    a newer proposal awaiting an editor, proposed by someone other than the callers."""

    def __init__(self, claim: Claim):
        User = get_user_model()
        self.claim = claim
        self.proposer = User.objects.create_user("proposer", is_staff=True, is_superuser=True)
        decide(claim, self.proposer, "unconfirmed", "Published: as AP reported.")  # claimreview exists
        self.proposal = services.propose_verdict(
            claim=claim, status="unconfirmed", rationale="Still the spokesman alone.", reviewer=self.proposer
        )
        self.document = claim.appearances.select_related("document").first().document


@pytest.fixture
def fresh_throttle_counts(django_db_blocker):
    # Hundreds of anonymous calls a minute would otherwise meet the public throttle. The counts
    # are in the database (api.models.ThrottleCount), inside the test's transaction.
    with django_db_blocker.unblock():
        ThrottleCount.objects.all().delete()
    yield
    with django_db_blocker.unblock():
        ThrottleCount.objects.all().delete()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world for the module, inside a transaction rolled back at its end; each test runs in
    a savepoint within it. Making it afresh for each of these hundreds of cells cost more than
    the cells themselves."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield World(seed_claim("Islamic State militants killed at least 500"))
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db):
    return shared_world
