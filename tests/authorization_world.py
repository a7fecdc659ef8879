"""What the authorization matrix acts on, shared by its API and admin halves: the world of a
claim with a published verdict and a pending proposal, and the callers, one per role."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from claims.models import (
    NewsroomKey,
)
from tests.conftest import desk_member

SEED_URL = "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is"


def url_patterns(patterns=None, prefix="", namespace=""):
    """(route, name with namespace, callback) of every URL the project serves."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, f"{namespace}{pattern.name}" if pattern.name else None, pattern.callback


def be(client, role: str, settings):
    """Make `client` call as `role`; return the user behind it, if any."""
    User = get_user_model()
    user = None
    if role == "public":
        settings.PUBLIC_API = True
    elif role == "reviewer":
        user = desk_member("rita", "Reviewer")
    elif role == "editor":
        user = desk_member("eddie", "Editor")
    elif role == "superuser":
        user = User.objects.create_user("root", is_staff=True, is_superuser=True)
    elif role == "newsroom login":
        user = User.objects.create_user("reader")  # a login, but no desk member
    elif role == "staff, no role":
        user = User.objects.create_user("former", is_staff=True)  # staff, in neither desk group
    elif role.endswith("key") or role == "key for a reviewer":
        fields = {
            "newsroom key": {},
            "revoked key": {"revoked": True},
            "expired key": {"expiry_date": timezone.now() - timedelta(days=1)},
            "key for a reviewer": {"acts_as": desk_member("rita", "Reviewer")},
        }[role]
        _, key = NewsroomKey.objects.create_key(name=role, **fields)
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
        return fields.get("acts_as")
    if user is not None:
        client.force_login(user)
    return user
