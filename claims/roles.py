"""The desk's two roles and exactly the permissions each needs.

Reviewers record sources, documents and claims, add evidence and propose verdicts. Editors
do all of that and also publish verdicts and delete records. Newsroom API users are not staff
and get no admin access at all.
"""

from django.contrib.auth.management import create_permissions

REVIEWER = "Reviewer"
EDITOR = "Editor"

_REVIEWER_PERMISSIONS = {
    "sources": {
        "source": ["view", "add", "change"],
        "sourcealias": ["view", "add", "change", "delete"],
        "affiliation": ["view", "add", "change", "delete"],
        "document": ["view", "add", "change"],
    },
    "claims": {
        "event": ["view", "add", "change"],
        "claim": ["view", "add", "change"],
        "appearance": ["view", "add", "delete"],
        "chainlink": ["view"],
        "figure": ["view", "add", "change", "delete"],
        "evidence": ["view", "add", "delete"],
        "verdict": ["view", "add"],
        "candidate": ["view", "change"],
        "ratingmap": ["view", "change"],
    },
}

_EDITOR_EXTRA = {
    "sources": {"source": ["delete"], "document": ["delete"]},
    "claims": {
        "event": ["delete"],
        "claim": ["delete"],
        "verdict": ["publish"],
        "newsroomkey": ["view", "add", "change"],  # create and revoke newsroom API keys
    },
}


def _codenames(spec: dict) -> set[tuple[str, str]]:
    return {
        (app, f"{action}_{model}")
        for app, models in spec.items()
        for model, actions in models.items()
        for action in actions
    }


DESK_GROUPS = {
    REVIEWER: _codenames(_REVIEWER_PERMISSIONS),
    EDITOR: _codenames(_REVIEWER_PERMISSIONS) | _codenames(_EDITOR_EXTRA),
}


def sync_desk_groups(apps) -> None:
    """Create the Reviewer and Editor groups with exactly their permissions. Idempotent.

    `apps` is a migration's app registry or django.apps.apps.
    """
    for app_config in apps.get_app_configs():
        if app_config.label in {"auth", "contenttypes", "sources", "claims"}:
            stub = getattr(app_config, "models_module", None) is None  # a migration's app registry
            if stub:
                app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            if stub:
                app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in DESK_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        # A migration that runs before a model exists grants what exists then; a later one
        # (claims 0004 and on) calls this again and grants the rest.
        permissions = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.set(permissions)


def is_desk_member(user) -> bool:
    """An active staff member in the Reviewer or Editor group, or a superuser: who may read the
    newsroom API through an admin login. Staff outside the desk (someone given the admin to
    manage users, say) may not."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_desk_member"):  # once per request's user
        user._desk_member = user.groups.filter(name__in=DESK_GROUPS).exists()
    return user._desk_member


# Who a claim can be assigned to: an active member of staff. The claim's field limits its
# choices with this, the assign service checks it, and the admin's bulk form lists by it.
ASSIGNABLE = {"is_staff": True, "is_active": True}


def is_assignable(user) -> bool:
    return all(getattr(user, name) == value for name, value in ASSIGNABLE.items())
