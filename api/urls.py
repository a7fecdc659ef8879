"""The newsroom API's routes, mounted at /api/v1/ under the namespace "api"."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from api.factcheck import FactCheckSearchView
from api.matching import MatchView
from api.sources import DocumentViewSet, SourceViewSet
from api.views import ChangesView, ClaimViewSet, EventViewSet, LookupView, VerdictViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("claims", ClaimViewSet, basename="claim")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("sources", SourceViewSet, basename="source")
router.register("documents", DocumentViewSet, basename="document")
router.register("events", EventViewSet, basename="event")

app_name = "api"
urlpatterns = [
    *router.urls,
    path("lookup/", LookupView.as_view(), name="lookup"),
    path("changes/", ChangesView.as_view(), name="changes"),
    path("match/", MatchView.as_view(), name="match"),
    # A Fact Check Tools client appends "claims:search" to its base URL, /api/v1/factcheck/.
    path("factcheck/claims:search", FactCheckSearchView.as_view(), name="factcheck-search"),
]
