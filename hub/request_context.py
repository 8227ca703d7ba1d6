"""Per-request context (request id, client IP, principal) for audit entries and logs."""

from __future__ import annotations

import contextvars
import re
import uuid
from dataclasses import dataclass
from typing import Any

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ENVIRON_KEY = "hub.context"  # where a request's context stays in its WSGI environ


@dataclass
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    principal: Any = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "hub_request_context", default=None
)


def current() -> RequestContext:
    """The context of the request being served, or an empty one outside requests."""
    return _current.get() or RequestContext()


def set_principal(principal: Any) -> None:
    ctx = _current.get()
    if ctx is not None:
        ctx.principal = principal


def request_id(meta: dict) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, otherwise a new one."""
    incoming = meta.get("HTTP_X_REQUEST_ID", "")
    return incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex


def begin(request, principal: Any = None) -> contextvars.Token:
    """Enter a request's context (undo with :func:`end`); returns what ``end`` takes.

    The context also stays in the WSGI environ (:data:`ENVIRON_KEY`), where
    the access log (hub.access_log) reads it once the answer is ready.
    """
    context = RequestContext(
        request_id=request_id(request.META), ip=client_ip(request), principal=principal
    )
    request.META[ENVIRON_KEY] = context
    return _current.set(context)


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    """The caller's address (behind a trusted proxy, as hub.forwarded found it)."""
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives every request an id (echoed as ``X-Request-ID``) and records its client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = begin(request)
        try:
            response = self.get_response(request)
        finally:
            context = current()
            end(token)
        response["X-Request-ID"] = context.request_id
        return response
