from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.errors import healthz, not_found_json

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page; the icon itself is a static file.
    path("favicon.ico", RedirectView.as_view(url=static("review/favicon.svg"), permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # The schema and its docs are the same for everyone, and not throttled: the throttle counts
    # are in the database, and the schema is read where there is none yet (schemathesis loads it).
    path("api/schema/", SpectacularAPIView.as_view(throttle_classes=[]), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", throttle_classes=[]), name="api-docs"),
    # Anything else under /api/ is a JSON 404, with DEBUG on too (Django's own would be a page).
    re_path(r"^api/", not_found_json, name="api-not-found"),
]

handler400 = "api.errors.bad_request"
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"
