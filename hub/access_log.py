"""One log line per request: what was asked, the answer, how long, from whom.

``hub.access`` logs, when the answer's status line is sent::

    GET /api/v1/regions/?limit=2 200 3.1ms ip=203.0.113.7 caller=system:key:ab12cd34 rid=6f0c…

``ip`` is the caller's address (after hub.forwarded), ``caller`` the
principal's label (``anonymous``, ``user:<id>``, ``system:key:<prefix>`` or
``system:<client id>``: never a name or a credential) and ``rid`` the
``X-Request-ID`` the answer carries, so an agency reporting a failed call can
be found by its request id. The time is
until the status line: a long download's transfer is not in it. Values of
query parameters that may carry secrets (an OAuth ``code``…) are not logged.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, urlencode

from hub.request_context import ENVIRON_KEY

log = logging.getLogger("hub.access")

_SECRET_PARAMETERS = frozenset({"code", "state", "token", "access_token", "id_token", "secret"})


def _query(raw: str) -> str:
    if not raw:
        return ""
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(name.lower() in _SECRET_PARAMETERS for name, _ in pairs):
        return "?" + raw
    return "?" + urlencode(
        [(name, "…" if name.lower() in _SECRET_PARAMETERS else value) for name, value in pairs]
    )


def _line(environ: dict, status: str, seconds: float) -> str:
    context = environ.get(ENVIRON_KEY)
    principal = getattr(context, "principal", None)
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode("utf-8", "replace")
    return (
        f"{environ.get('REQUEST_METHOD', '-')} {path.replace(' ', '%20')}"
        f"{_query(environ.get('QUERY_STRING', ''))} {status.split(' ', 1)[0]} "
        f"{seconds * 1000:.1f}ms ip={environ.get('REMOTE_ADDR') or '-'} "
        f"caller={getattr(principal, 'label', None) or 'anonymous'} "
        f"rid={getattr(context, 'request_id', None) or '-'}"
    )


class AccessLog:
    """WSGI middleware writing the ``hub.access`` line of every request.

    It logs from ``start_response`` and returns the application's own response
    object, so a file answer keeps the server's zero-copy path.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.perf_counter()

        def logged(status, headers, exc_info=None):
            log.info(_line(environ, status, time.perf_counter() - started))
            return start_response(status, headers, exc_info)

        return self.application(environ, logged)
