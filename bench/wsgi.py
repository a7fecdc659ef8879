"""WSGI entry point for the HTTP benchmark: the project's application with bench/urls.py as its
URLconf, so the bare view is served by the same server, settings and middleware.

    gunicorn bench.wsgi:application
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django
from django.conf import settings

django.setup()
settings.ROOT_URLCONF = "bench.urls"  # before the first request resolves anything

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
