"""WSGI entry point for any production server: Django behind the read lane (api.lane)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_application = get_wsgi_application()

from api.lane import ReadLane  # noqa: E402 (needs the apps loaded above)

application = ReadLane(django_application)
