"""WSGI entry point for any production server: Django behind the read lane (api.lane).

Outermost, what trusted reverse proxies forward (hub.forwarded), so everything
inside sees the caller's own address and scheme; then the access log
(hub.access_log).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402

from api.lane import ReadLane  # noqa: E402 (needs the apps loaded above)
from hub.access_log import AccessLog  # noqa: E402
from hub.forwarded import TrustedProxies  # noqa: E402

lane = ReadLane(django_application)
application = TrustedProxies(
    AccessLog(lane) if settings.HUB_ACCESS_LOG else lane, settings.HUB_TRUSTED_PROXIES
)
