"""The read lane: a repeated list read answered without the whole request cycle.

A GET of a REST list passes Django's middleware, the URL resolver and DRF's
dispatch (content negotiation, authenticators, permission) before its view
runs one compiled statement (:mod:`api.plans`); a GraphQL list query passes
the same middleware and graphene's dispatch before its compiled statement runs
(:mod:`api.graphql.compiled`). On an indexed page that machinery costs several
times the query and the JSON. Agency systems and public pages ask for the same
few lists over and over, so the first request of each kind goes the whole way
and leaves a recipe (how its answer was made and the headers the cycle put on
it), and every *equivalent* request after it is answered from the recipe: the
same view method or compiled list, rows read fresh, the recorded headers with
this answer's ETag, length and request id.

Two requests are equivalent when everything the cycle reads from them is equal:
path, query string, body, host, scheme and forwarding headers, ``Accept``,
``Accept-Language``, ``Origin``, ``Content-Type`` and the caller's policy scope. The
credential is checked again on every request by the authenticators' own code
(:func:`api.auth.accepted_principal`). The lane takes only GETs under ``/api/``
and POSTs of small JSON bodies to ``/graphql`` (no query string), without
cookies (no session, CSRF or language cookie to weigh) or conditional headers,
and records only 200 answers that set no cookie. Whatever it does not answer
(a refused credential, an error, anything unusual) goes the whole way, so
every refusal and error is the full cycle's own. A request the lane gave up on
because the database was out of reach or a wait ran out is not sent to wait a
second time: the full cycle answers that same failure (:func:`earlier_failure`).
``HUB_READ_LANE=false`` turns it off.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation

from agencies.policy import scope_key
from api.auth import accepted_principal
from api.errors import repeats_its_wait
from api.plans import plans
from hub import request_context

OFFER = "hub.read_lane.offer"
FAILED = "hub.read_lane.failed"
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
    "HTTP_ORIGIN",  # the CORS headers answer the calling origin
    "CONTENT_TYPE",
)
GRAPHQL_PATH = "/graphql"
GRAPHQL_BODY_LIMIT = 20_000  # longer documents are never kept compiled (api.graphql.view)
# Requests the lane leaves to the full cycle whatever they ask.
_PASS = ("HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")
# What the router gave the view instance that answered (``as_view`` keyword arguments).
_VIEW_ATTRIBUTES = ("basename", "detail", "suffix", "name", "description", "action", "kwargs")


def offer(request, respond: Callable, scope: tuple) -> None:
    """This request's answer may be made again by ``respond(request)`` for its equivalents.

    `scope` is the policy scope of the principal it was made for; `request` is
    the Django request (or DRF's, which shares its META).
    """
    request.META[OFFER] = (respond, scope)


def earlier_failure(request) -> Exception | None:
    """The database failure the lane met answering this request, when trying again would
    only wait for it again (the full cycle answers it instead of repeating the query)."""
    return request.META.pop(FAILED, None)


def offer_list(request, view, scope: tuple) -> None:
    """A REST list view answering from a compiled plan."""
    attributes = {name: getattr(view, name) for name in _VIEW_ATTRIBUTES if hasattr(view, name)}
    offer(request, partial(_list, type(view), attributes), scope)


def _list(view_class: type, attributes: dict, request):
    view = view_class(**attributes, args=(), format_kwarg=None)
    view.request = request
    return view.list(request, **view.kwargs)


@dataclass(frozen=True)
class Recipe:
    respond: Callable
    headers: tuple[tuple[str, str], ...]

    def answer(self, request) -> tuple[bytes, list[tuple[str, str]]] | None:
        """The body and headers the full cycle gives `request`; None for anything but a 200."""
        response = self.respond(request)
        if response.status_code != 200 or response.streaming:
            return None
        body = response.content
        values = {  # the headers that differ from one answer to the next
            "etag": response.get("ETag"),
            "content-length": str(len(body)),
            "x-request-id": request_context.current().request_id,
        }
        headers = [(name, values.get(name.lower(), value)) for name, value in self.headers]
        return None if any(value is None for _, value in headers) else (body, headers)


def _shape(environ: dict) -> tuple | None:
    if any(environ.get(name) for name in _PASS):
        return None
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    if method == "GET" and path.startswith("/api/"):
        body = None
    elif method == "POST" and path == GRAPHQL_PATH and not environ.get("QUERY_STRING"):
        body = _small_body(environ)
        if body is None:
            return None
    else:
        return None
    return ("lane", body, *(environ.get(name) for name in EQUIVALENCE))


def _small_body(environ: dict) -> bytes | None:
    """The request body when it is short (read, and put back for whoever reads next)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= GRAPHQL_BODY_LIMIT:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body if len(body) == length else None


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
            request.user = request.principal = principal
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            token = request_context.begin(request, principal)
            try:
                return recipe.answer(request)
            finally:
                request_context.end(token)
        except Exception as exc:  # noqa: BLE001 — the full cycle meets it again and reports it
            if repeats_its_wait(exc):
                environ[FAILED] = exc  # reported at once: a second wait would change nothing
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
            respond, scope = offered
            recipes = dict(plans.get(shape) or {})
            recipes[scope] = Recipe(respond, tuple(headers))
            plans.put(shape, recipes)
        return response
