"""Who may do what in the admin: every page and action, for every kind of caller.

Pages and actions are read from the admin registry: a new one fails its test_every_*_has_expectations
until it is given its row here. Each cell of the matrix is its own test, named "<page>-<caller>".
"""

import re
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from claims import services
from claims.models import (
    Appearance,
    Candidate,
    ChainLink,
    Claim,
    Event,
    Figure,
    NewsroomKey,
    RatingMap,
    Verdict,
)
from sources.models import Affiliation, Document, Source, SourceAlias
from tests.authorization_world import be, url_patterns
from tests.conftest import source

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


# --- The admin

ADMIN_ROLES = ["anonymous", "newsroom key", "newsroom login", "staff, no role", "reviewer", "editor", "superuser"]
DESK = ("reviewer", "editor", "superuser")  # the columns of MODEL_PAGES; "staff, no role" opens none
OUTSIDERS = ("anonymous", "newsroom key", "newsroom login")


def fresh_claim(user, text="A claim to act on.") -> Claim:
    return services.record_claim(speaker=source("Sabah Karhout"), text=text, user=user)


def fresh_person(name="Matrix Person") -> Source:
    return Source.objects.create(kind="person", name=name)


def fresh_document(user) -> Document:
    return services.record_document(
        url="https://matrix.example/report", outlet=source("Associated Press"), title="Report",
        text="At least 500 people were killed, he said.", user=user,
    )  # fmt: skip


def fresh_candidate(w) -> Candidate:
    text = "900 were killed, an official said."
    return Candidate.objects.create(
        document=w.document, text=text, start=0, end=len(text), speaker_mention="an official",
        speaker_name="an official", speaker_start=0, speaker_end=5,
    )  # fmt: skip


def fresh_appearance(w) -> Appearance:
    document = fresh_document(w.proposer)
    return services.record_appearance(
        claim=fresh_claim(w.proposer), document=document, excerpt="At least 500 people were killed", user=w.proposer
    )


def fresh_subscription():
    from webhooks.models import Subscription

    key, _ = NewsroomKey.objects.create_key(name="Hooked Planet")
    return Subscription.objects.create(newsroom_key=key, url="https://planet.example/hook")


def fresh_delivery(w):
    from webhooks.models import Delivery

    return Delivery.objects.create(
        subscription=fresh_subscription(), event_id=uuid.uuid4(), event_type="verdict.published",
        claim_id=w.claim.pk, change_seq=1, payload={}, next_attempt_at=timezone.now(),
        retry_until=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


# One object per registered model for its pages and actions: fresh, so deleting it is allowed.
SAMPLES = {
    "auth.group": lambda w: Group.objects.create(name="Night desk"),
    "auth.user": lambda w: get_user_model().objects.create_user("leaver", is_staff=True),
    "axes.accessattempt": lambda w: AccessAttempt.objects.create(
        username="rita", ip_address="203.0.113.7", user_agent="test", failures_since_start=5
    ),
    "axes.accesslog": lambda w: AccessLog.objects.create(
        username="rita", ip_address="203.0.113.7", user_agent="test", attempt_time=timezone.now()
    ),
    "axes.accessfailurelog": lambda w: AccessFailureLog.objects.create(
        username="rita", ip_address="203.0.113.7", user_agent="test", attempt_time=timezone.now()
    ),
    "django_tasks_database.dbtaskresult": lambda w: DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="webhooks.tasks.nothing",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    ),
    "claims.claim": lambda w: fresh_claim(w.proposer),
    "claims.appearance": fresh_appearance,
    "claims.verdict": lambda w: services.propose_verdict(
        claim=fresh_claim(w.proposer), status="unconfirmed", rationale="As reported.", reviewer=w.proposer
    ),
    "claims.figure": lambda w: services.save_figure(
        figure=Figure(claim=fresh_claim(w.proposer), metric="killed", qualifier="at_least", low=500), user=w.proposer
    ),
    "claims.event": lambda w: Event.objects.create(name="Matrix event"),
    "claims.evidence": lambda w: services.add_evidence(
        claim=fresh_claim(w.proposer), stance="supports", note="Same.", source=fresh_person(), added_by=w.proposer
    ),
    "claims.chainlink": lambda w: ChainLink.objects.filter(appearance__claim=w.claim).first(),
    "claims.newsroomkey": lambda w: NewsroomKey.objects.create_key(name="Old Planet")[0],
    "claims.candidate": fresh_candidate,
    "claims.ratingmap": lambda w: RatingMap.objects.create(rating="pants on fire"),
    "sources.sourcealias": lambda w: SourceAlias.objects.create(source=fresh_person(), name="M. Person"),
    "sources.source": lambda w: fresh_person(),
    "sources.affiliation": lambda w: Affiliation.objects.create(
        person=fresh_person(), organization=Source.objects.create(kind="organization", name="Matrix Org"), role="aide"
    ),
    "sources.document": lambda w: fresh_document(w.proposer),
    "webhooks.subscription": lambda w: fresh_subscription(),
    "webhooks.delivery": lambda w: fresh_delivery(w),
}

# The pages each desk role may open on each model, written from the roles in README.md (not read
# from claims/roles.py): l list, a add, v view (read-only or to change), d delete, h history.
# Anyone else is sent to the login page.
MODEL_PAGES = {
    #                                     reviewer  editor    superuser
    "auth.group":                         ("",      "",       "lavdh"),
    "auth.user":                          ("",      "",       "lavdh"),
    "axes.accessattempt":                 ("",      "",       "lvdh"),
    "axes.accesslog":                     ("",      "",       "lvdh"),
    "axes.accessfailurelog":              ("",      "",       "lvdh"),
    "django_tasks_database.dbtaskresult": ("",      "",       "lvh"),
    "claims.claim":                       ("lavh",  "lavdh",  "lavdh"),
    "claims.appearance":                  ("lavdh", "lavdh",  "lavdh"),
    "claims.verdict":                     ("lvh",   "lvh",    "lvh"),
    "claims.figure":                      ("lavdh", "lavdh",  "lavdh"),
    "claims.event":                       ("lavh",  "lavdh",  "lavdh"),
    "claims.evidence":                    ("lvdh",  "lvdh",   "lvdh"),
    "claims.chainlink":                   ("lvh",   "lvh",    "lvh"),
    "claims.newsroomkey":                 ("",      "lavh",   "lavdh"),
    "claims.candidate":                   ("lvh",   "lvh",    "lvdh"),
    "claims.ratingmap":                   ("lvh",   "lvh",    "lavdh"),
    "sources.sourcealias":                ("lavdh", "lavdh",  "lavdh"),
    "sources.source":                     ("lavh",  "lavdh",  "lavdh"),
    "sources.affiliation":                ("lavdh", "lavdh",  "lavdh"),
    "sources.document":                   ("lavh",  "lavdh",  "lavdh"),
    "webhooks.subscription":              ("",      "",       "lavdh"),
    "webhooks.delivery":                  ("",      "",       "lvh"),
}  # fmt: skip

PAGE_LETTER = {
    "changelist": "l", "add": "a", "change": "v", "delete": "d", "history": "h", "simple_history": "h",
}  # fmt: skip


def model_key(model) -> str:
    return model._meta.label_lower


def admin_url_names() -> set[str]:
    """Every admin URL: its name, or for the unnamed ones "<app>_<model>_redirect" and "catch_all"."""
    names = set()
    for route, name, _ in url_patterns():
        if not route.startswith("admin/"):
            continue
        if name:
            names.add(name.removeprefix("admin:"))
        elif route == "admin/(?P<url>.*)$":
            names.add("catch_all")
        else:
            app, model = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/$", route).groups()
            names.add(f"{app}_{model}_redirect")
    return names


MODEL_PAGE_NAMES = {
    f"{model._meta.app_label}_{model._meta.model_name}_{kind}": (model_key(model), kind)
    for model in admin.site._registry
    for kind in [*PAGE_LETTER, "redirect"]
}


def desk(no_role, reviewer, editor, superuser) -> dict:
    staff = {"staff, no role": no_role, "reviewer": reviewer, "editor": editor, "superuser": superuser}
    return dict.fromkeys(OUTSIDERS, "login") | staff


STAFF_ONLY = desk(200, 200, 200, 200)
WITH_A_ROLE = desk(403, 200, 200, 200)


def app_list_expectations() -> dict:
    desk_apps = {"claims", "sources"}
    return {
        app: desk(404, 200 if app in desk_apps else 404, 200 if app in desk_apps else 404, 200)
        for app in sorted({model._meta.app_label for model in admin.site._registry})
    }


# name: (method, path, form data, expected by caller; "login" = redirected to the login page)
SITE_PAGES = {
    "index": ("get", lambda w, s: "/admin/", None, STAFF_ONLY),
    "login": ("get", lambda w, s: "/admin/login/", None, desk(302, 302, 302, 302) | dict.fromkeys(OUTSIDERS, 200)),
    "logout": ("post", lambda w, s: "/admin/logout/", {}, desk(200, 200, 200, 200) | dict.fromkeys(OUTSIDERS, 302)),
    "password_change": ("get", lambda w, s: "/admin/password_change/", None, STAFF_ONLY),
    "password_change_done": ("get", lambda w, s: "/admin/password_change/done/", None, STAFF_ONLY),
    "autocomplete": (
        "get",
        lambda w, s: "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=speaker&term=Haimour",
        None,
        WITH_A_ROLE,
    ),
    "jsi18n": ("get", lambda w, s: "/admin/jsi18n/", None, STAFF_ONLY),
    "view_on_site": (
        "get",
        lambda w, s: f"/admin/r/{ContentType.objects.get_for_model(Claim).pk}/{w.claim.pk}/",
        None,
        desk(404, 404, 404, 404),  # nothing here has a public page
    ),
    "catch_all": ("get", lambda w, s: "/admin/no/such/page/", None, desk(404, 404, 404, 404)),
    "auth_user_password_change": (
        "get",
        lambda w, s: f"/admin/auth/user/{w.proposer.pk}/password/",
        None,
        desk(403, 403, 403, 200),
    ),
    "claims_claim_export_csv": ("get", lambda w, s: "/admin/claims/claim/export-csv/", None, WITH_A_ROLE),
    "claims_claim_import_csv": ("get", lambda w, s: "/admin/claims/claim/import-csv/", None, WITH_A_ROLE),
    "claims_claim_propose_verdict": (
        "get",
        lambda w, s: f"/admin/claims/claim/{w.claim.pk}/propose-verdict/",
        None,
        WITH_A_ROLE,
    ),
    "claims_claim_publish_verdict": (
        "post",
        lambda w, s: f"/admin/claims/claim/{w.claim.pk}/verdicts/{w.proposal.pk}/publish/",
        {},
        desk(403, 403, 302, 302),
    ),
    "sources_document_import": ("get", lambda w, s: "/admin/sources/document/import/", None, WITH_A_ROLE),
    "sources_document_candidates": (
        "get",
        lambda w, s: f"/admin/sources/document/{w.document.pk}/candidates/",
        None,
        WITH_A_ROLE,
    ),
    "sources_document_candidate": (
        "post",
        lambda w, s: f"/admin/sources/document/{w.document.pk}/candidates/{s.pk}/reject/",
        {},
        desk(403, 302, 302, 302),
    ),
}
SITE_SAMPLES = {"sources_document_candidate": fresh_candidate}


def test_every_admin_page_has_expectations():
    registered = {model_key(model) for model in admin.site._registry}
    assert registered - MODEL_PAGES.keys() == set(), "give these models their row in MODEL_PAGES"
    assert registered - SAMPLES.keys() == set(), "give these models a sample in SAMPLES"
    assert MODEL_PAGES.keys() - registered == set(), "these rows name models no longer in the admin"
    unexpected = admin_url_names() - MODEL_PAGE_NAMES.keys() - SITE_PAGES.keys() - {"app_list"}
    assert unexpected == set(), "give these admin pages their row in SITE_PAGES"


def model_page_cells():
    for model in sorted(admin.site._registry, key=model_key):
        for kind in PAGE_LETTER:
            name = f"{model._meta.app_label}_{model._meta.model_name}_{kind}"
            if kind == "simple_history" and name not in admin_url_names():
                continue
            for role in ADMIN_ROLES:
                yield pytest.param(model_key(model), kind, role, id=f"{model_key(model)} {kind}-{role}")


def model_page_path(key: str, kind: str, sample) -> str:
    app, model = key.split(".")
    if kind in ("changelist", "add"):
        return reverse(f"admin:{app}_{model}_{kind}")
    if kind == "simple_history":
        return reverse(f"admin:{app}_{model}_simple_history", args=[sample.pk, sample.history.first().history_id])
    return reverse(f"admin:{app}_{model}_{kind}", args=[sample.pk])


def assert_sent_to_login(response, path):
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/"), response["Location"]


@pytest.mark.parametrize(("model", "kind", "role"), list(model_page_cells()))
def test_admin_model_page(client, world, settings, model, kind, role):
    sample = SAMPLES[model](world)
    path = model_page_path(model, kind, sample)
    be(client, role, settings)
    response = client.get(path)
    if role in OUTSIDERS:
        assert_sent_to_login(response, path)
        return
    allowed = role in DESK and PAGE_LETTER[kind] in MODEL_PAGES[model][DESK.index(role)]
    assert response.status_code == (200 if allowed else 403), path


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("model", sorted(MODEL_PAGES))
def test_admin_object_address_redirects_to_its_page(client, world, settings, model, role):
    if model not in {model_key(m) for m in admin.site._registry}:
        pytest.fail(f"{model} is no longer in the admin")
    sample = SAMPLES[model](world)
    app, name = model.split(".")
    be(client, role, settings)
    response = client.get(f"/admin/{app}/{name}/{sample.pk}/")
    if role in OUTSIDERS:
        assert_sent_to_login(response, None)
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(f"admin:{app}_{name}_change", args=[sample.pk])


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("name", sorted(SITE_PAGES))
def test_admin_site_page(client, world, settings, name, role):
    method, path, data, expected = SITE_PAGES[name]
    sample = SITE_SAMPLES[name](world) if name in SITE_SAMPLES else None
    url = path(world, sample)
    be(client, role, settings)
    response = client.post(url, data) if method == "post" else client.get(url)
    if expected[role] == "login":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == expected[role], url
    if name == "claims_claim_publish_verdict":
        world.proposal.refresh_from_db()
        assert world.proposal.is_published == (expected[role] == 302)
    if name == "sources_document_candidate":
        sample.refresh_from_db()
        assert (sample.state == Candidate.State.REJECTED) == (expected[role] == 302)


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("app", sorted(app_list_expectations()))
def test_admin_app_page(client, db, settings, app, role):
    be(client, role, settings)
    response = client.get(f"/admin/{app}/")
    expected = app_list_expectations()[app][role]
    if expected == "login":
        assert_sent_to_login(response, None)
    else:
        assert response.status_code == expected


# --- Admin actions: run each as each caller, and check what happened, not only the status


def assigned_to(user):
    return lambda obj: Claim.objects.get(pk=obj.pk).assigned_to_id == (user.pk if user else None)


def gone(obj):
    return not type(obj)._default_manager.filter(pk=obj.pk).exists()


def delete_selected(w, obj, user):
    return {"post": "yes"}, gone


def assign_to_me(w, obj, user):
    return {}, lambda obj: user is not None and assigned_to(user)(obj)


def unassign(w, obj, user):
    services.assign_claim(claim=obj, assignee=w.proposer, by=w.proposer)
    return {}, assigned_to(None)


def assign_to_reviewer(w, obj, user):
    return {"apply": "1", "assignee": w.proposer.pk}, assigned_to(w.proposer)


def propose_for_selected(w, obj, user):
    return {"apply": "1", "status": "unconfirmed", "rationale": "As reported."}, lambda o: o.verdicts.exists()


def publish_selected(w, obj, user):
    return {}, lambda o: Verdict.objects.get(pk=o.pk).is_published


def cleanup_expired_attempts(w, obj, user):
    # Expire the attempt only now: axes itself clears expired attempts at every login, the
    # caller's included. attempt_time is auto_now_add, so it can only be set afterwards.
    AccessAttempt.objects.filter(pk=obj.pk).update(attempt_time=timezone.now() - timedelta(hours=2))
    return {}, gone


def rotate_secret(w, obj, user):
    return {}, lambda o: type(o).objects.get(pk=o.pk).secret != o.secret


def send_again(w, obj, user):
    return {}, lambda o: type(o).objects.get(pk=o.pk).replayed_at is not None


ALL_DESK = set(DESK)
DELETERS = {
    # who may delete from the list, by model (the admin offers no delete to anyone else)
    "auth.group": {"superuser"},
    "auth.user": {"superuser"},
    "axes.accessattempt": {"superuser"},
    "axes.accesslog": {"superuser"},
    "axes.accessfailurelog": {"superuser"},
    "django_tasks_database.dbtaskresult": set(),
    "claims.claim": {"editor", "superuser"},
    "claims.appearance": ALL_DESK,
    "claims.verdict": set(),
    "claims.figure": ALL_DESK,
    "claims.event": {"editor", "superuser"},
    "claims.evidence": ALL_DESK,
    "claims.chainlink": set(),
    "claims.newsroomkey": {"superuser"},
    "claims.candidate": {"superuser"},
    "claims.ratingmap": {"superuser"},
    "sources.sourcealias": ALL_DESK,
    "sources.source": {"editor", "superuser"},
    "sources.affiliation": ALL_DESK,
    "sources.document": {"editor", "superuser"},
    "webhooks.subscription": {"superuser"},
    "webhooks.delivery": set(),
}
# (model, action): (who may run it, how to run it and what it does)
ACTIONS = {
    **{(model, "delete_selected"): (who, delete_selected) for model, who in DELETERS.items()},
    ("claims.claim", "assign_to_me"): (ALL_DESK, assign_to_me),
    ("claims.claim", "unassign"): (ALL_DESK, unassign),
    ("claims.claim", "assign_to_reviewer"): (ALL_DESK, assign_to_reviewer),
    ("claims.claim", "propose_verdict"): (ALL_DESK, propose_for_selected),
    ("claims.verdict", "publish_selected"): ({"editor", "superuser"}, publish_selected),
    ("axes.accessattempt", "cleanup_expired_attempts"): ({"superuser"}, cleanup_expired_attempts),
    ("webhooks.delivery", "send_again"): ({"superuser"}, send_again),
    ("webhooks.subscription", "rotate_secret"): ({"superuser"}, rotate_secret),
}


def registered_actions() -> set[tuple[str, str]]:
    return {
        (model_key(model), name)
        for model, model_admin in admin.site._registry.items()
        for _, name, _ in model_admin._get_base_actions()
    }


def test_every_admin_action_has_expectations():
    registered = registered_actions()
    assert registered - ACTIONS.keys() == set(), "give these actions their row in ACTIONS"
    assert ACTIONS.keys() - registered == set(), "these rows name actions no longer in the admin"


def action_cells():
    for model, action in sorted(ACTIONS):
        for role in ADMIN_ROLES:
            yield pytest.param(model, action, role, id=f"{model} {action}-{role}")


@pytest.mark.parametrize(("model", "action", "role"), list(action_cells()))
def test_admin_action(client, world, settings, model, action, role):
    allowed, run = ACTIONS[(model, action)]
    sample = SAMPLES[model](world)
    user = be(client, role, settings)
    data, done = run(world, sample, user)
    app, name = model.split(".")
    path = reverse(f"admin:{app}_{name}_changelist")
    response = client.post(path, {"action": action, "_selected_action": [sample.pk], **data})
    if role in OUTSIDERS:
        assert_sent_to_login(response, path)
    elif role in allowed:
        assert response.status_code == 302 and response["Location"].startswith(path), response.content[:300]
    else:
        # Not offered: the list again, a "no action selected" redirect, or no access to the list.
        assert response.status_code in (200, 302, 403)
    assert bool(done(sample)) == (role in allowed)
