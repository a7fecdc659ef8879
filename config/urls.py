from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.views import ChangesView, ClaimViewSet, EventViewSet, LookupView, VerdictViewSet, healthz
from sources.views import DocumentViewSet, SourceViewSet

admin.site.site_header = "Claim tracker"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Sources, claims and verdicts"
admin.site.site_url = "/api/docs/"  # "View site": the newsroom API's docs; the desk works in the admin
admin.site.enable_nav_sidebar = False  # the queue's columns need the width

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("claims", ClaimViewSet, basename="claim")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("sources", SourceViewSet, basename="source")
router.register("documents", DocumentViewSet, basename="document")
router.register("events", EventViewSet, basename="event")

api = [
    *router.urls,
    path("lookup/", LookupView.as_view(), name="lookup"),
    path("changes/", ChangesView.as_view(), name="changes"),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "claims.views.bad_request"
handler404 = "claims.views.not_found"
handler500 = "claims.views.server_error"
