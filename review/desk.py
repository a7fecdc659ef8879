"""The desk's landing page: what is waiting for whom, counted from the domain's own read rules."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from claims.models import Candidate, Claim, Status, Verdict

CAP = 1_000  # a count past this says "1,000+": counting a million rows would slow the page


def capped(queryset) -> str:
    found = queryset[: CAP + 1].count()
    return f"{CAP:,}+" if found > CAP else f"{found:,}"


def desk_queues(user) -> list[dict]:
    """The five lists a reviewer or an editor starts from, each with its count and link."""
    claims, verdicts = reverse("admin:claims_claim_changelist"), reverse("admin:claims_verdict_changelist")
    week_ago = timezone.now() - timedelta(days=7)
    return [
        {
            "label": "Unreviewed claims",
            "count": capped(Claim.objects.filter(status=Status.UNREVIEWED)),
            "url": f"{claims}?status__exact={Status.UNREVIEWED}",
        },
        {
            "label": "Assigned to me",
            "count": capped(Claim.objects.filter(assigned_to=user)),
            "url": f"{claims}?assigned=me",
        },
        {
            "label": "Verdicts awaiting publication",
            "count": capped(Verdict.objects.awaiting_publication()),
            "url": f"{verdicts}?published=no",
        },
        {
            "label": "Published this week",
            "count": capped(Verdict.objects.published().filter(published_at__gte=week_ago)),
            "url": f"{verdicts}?published=yes",
        },
        {
            "label": "Candidates from intake",
            "count": capped(Candidate.objects.filter(state=Candidate.State.PENDING)),
            "url": f"{reverse('admin:claims_candidate_changelist')}?state__exact={Candidate.State.PENDING}",
        },
    ]


# The admin's index lists apps in this order, and inside an app these models first; the rest of
# an app's models follow. Chain links and appearances are edited on their claim's page.
APP_ORDER = ["claims", "sources", "webhooks", "auth"]
MODEL_ORDER = {"claims": ["Claim", "Verdict", "Candidate", "Event", "Evidence", "Figure"]}
PLUMBING = {("claims", "ChainLink"), ("claims", "Appearance")}


def ordered_apps(app_list: list[dict]) -> list[dict]:
    """Claims first, the desk's own pages before the plumbing, which leaves the top level."""

    def app_rank(app):
        label = app["app_label"]
        return (APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER), app["name"])

    for app in app_list:
        preferred = MODEL_ORDER.get(app["app_label"], [])
        app["models"] = sorted(
            (m for m in app["models"] if (app["app_label"], m["object_name"]) not in PLUMBING),
            key=lambda m: (preferred.index(m["object_name"]) if m["object_name"] in preferred else len(preferred),
                           m["name"]),
        )  # fmt: skip
    return sorted((app for app in app_list if app["models"]), key=app_rank)
