"""The project's URLs plus the benchmark's own: a bare view and the naive baseline.

Only bench/run.py and bench/wsgi.py use this URLconf; config/urls.py is left as it is.
"""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from bench.naive import NaiveClaimViewSet, NaiveLookupView
from config import urls as project

handler404 = project.handler404
handler500 = project.handler500


def bare(request):
    """Constant JSON through the same middleware: what the server costs before any view work."""
    return JsonResponse({"ok": True})


naive = DefaultRouter(trailing_slash=True)
naive.include_root_view = False
naive.register("claims", NaiveClaimViewSet, basename="naive-claim")

urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/naive/lookup/", NaiveLookupView.as_view(), name="naive-lookup"),
    path("bench/naive/", include(naive.urls)),
    *project.urlpatterns,
]
