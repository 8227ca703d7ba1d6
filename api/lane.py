"""The read lane: a repeated list read answered without the whole request cycle.

A GET of a REST list passes Django's middleware, the URL resolver and DRF's
dispatch (content negotiation, authenticators, permission) before its view
runs one compiled statement (:mod:`api.plans`); on an indexed page that
machinery costs several times the query and the JSON. Agency systems and public
pages ask for the same few lists over and over, so the first request of each
kind goes the whole way and leaves a recipe (which view answered and the
headers the cycle put on the answer), and every *equivalent* request after it
is answered from the recipe: the same view method, its compiled SQL, rows read
fresh, the recorded headers with this answer's ETag, length and request id.

Two requests are equivalent when everything the cycle reads from them is equal:
path, query string, host, scheme and forwarding headers, ``Accept``,
``Accept-Language`` and the caller's policy scope. The credential is checked
again on every request by the authenticators' own code (:func:`api.auth.accepted_principal`).
The lane takes only GETs under ``/api/`` without cookies (no session, CSRF or
language cookie to weigh) or conditional headers, and records only 200 answers
that set no cookie. Whatever it does not answer (a refused credential, an
error, anything unusual) goes the whole way, so every refusal and error is the
full cycle's own. ``HUB_READ_LANE=false`` turns it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation

from agencies.policy import scope_key
from api.auth import accepted_principal
from api.plans import plans
from hub import request_context

OFFER = "hub.read_lane.offer"
# What the full cycle reads from a request, besides the principal.
EQUIVALENCE = (
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
)
# Requests the lane leaves to the full cycle whatever they ask.
_PASS = ("HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")
# What the router gave the view instance that answered (``as_view`` keyword arguments).
_VIEW_ATTRIBUTES = ("basename", "detail", "suffix", "name", "description", "action", "kwargs")


def offer(request, view) -> None:
    """A list view answering from a compiled plan: requests like this one may take the lane."""
    attributes = {name: getattr(view, name) for name in _VIEW_ATTRIBUTES if hasattr(view, name)}
    request.META[OFFER] = (type(view), attributes, scope_key(request.user))


@dataclass(frozen=True)
class Recipe:
    view: type
    attributes: dict[str, Any]
    headers: tuple[tuple[str, str], ...]

    def answer(self, request) -> tuple[bytes, list[tuple[str, str]]] | None:
        """The body and headers the full cycle gives `request`; None for anything but a 200."""
        view = self.view(**self.attributes, args=(), format_kwarg=None)
        view.request = request
        response = view.list(request, **view.kwargs)
        if response.status_code != 200 or response.streaming:
            return None
        body = response.content
        values = {  # the headers that differ from one answer to the next
            "etag": response["ETag"],
            "content-length": str(len(body)),
            "x-request-id": request_context.current().request_id,
        }
        return body, [(name, values.get(name.lower(), value)) for name, value in self.headers]


def _shape(environ: dict) -> tuple | None:
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or not environ.get("PATH_INFO", "").startswith("/api/")
        or any(environ.get(name) for name in _PASS)
    ):
        return None
    return ("lane", *(environ.get(name) for name in EQUIVALENCE))


class ReadLane:
    """WSGI middleware in front of Django's handler (see the module doc)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        shape = _shape(environ) if settings.HUB_READ_LANE else None
        if shape is None:
            return self.application(environ, start_response)
        recipes = plans.get(shape)
        if recipes is not None:
            answered = self._answer(environ, recipes)
            if answered is not None:
                body, headers = answered
                start_response("200 OK", headers)
                return [body]
        return self._record(environ, shape, start_response)

    def _answer(self, environ: dict, recipes: dict) -> tuple | None:
        signals.request_started.send(sender=type(self), environ=environ)
        try:
            request = WSGIRequest(environ)
            principal = accepted_principal(request)
            recipe = None if principal is None else recipes.get(scope_key(principal))
            if recipe is None:
                return None
            request.user = principal
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            token = request_context.begin(request, principal)
            try:
                return recipe.answer(request)
            finally:
                request_context.end(token)
        except Exception:  # noqa: BLE001 — the full cycle meets it again and reports it
            return None
        finally:
            signals.request_finished.send(sender=type(self))

    def _record(self, environ: dict, shape: tuple, start_response):
        answered = {}

        def capture(status, headers, exc_info=None):
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, exc_info)

        response = self.application(environ, capture)
        offered = environ.get(OFFER)
        headers = answered.get("headers") or []
        if (
            offered is not None
            and answered.get("status", "").startswith("200 ")
            and not any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            view, attributes, scope = offered
            recipes = dict(plans.get(shape) or {})
            recipes[scope] = Recipe(view, attributes, tuple(headers))
            plans.put(shape, recipes)
        return response
