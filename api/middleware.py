"""Requests refused around the views: text no part of the hub can store, bare refusals."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.urls import is_valid_path

from api.errors import problem_response
from hub.errors import MethodNotAllowed, NotFound, nul_character


class RefuseNulCharacters:
    """400 ``nul_character`` for a path or query parameter holding U+0000 (``%00``).

    Such text can never match a stored row and PostgreSQL refuses it as a
    query parameter, so it is answered before it reaches a lookup. JSON bodies
    are checked by the parser, with the field named.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return problem_response(nul_character("path"), request)
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return problem_response(nul_character(name.replace("\x00", "")), request)
        return self.get_response(request)


class ProblemForBareRefusals:
    """A plain Django view's bare 405 (``require_POST``, ``require_safe``) as problem+json.

    The REST and GraphQL views answer in the hub's vocabulary themselves; the
    few plain views (file delivery, sign-in and sign-out, health) use Django's
    decorators, which answer with an empty body. The ``Allow`` header stays.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            return problem_response(MethodNotAllowed(headers={"Allow": response["Allow"]}), request)
        return response


class ApiPaths:
    """Paths under ``/api/`` answer with or without their trailing slash; unknown ones 404 problem.

    An integrator who drops a slash (``POST /api/v1/contacts``) is served as
    if it were there, without a redirect: many clients repeat a redirected POST
    as a GET and would take the list for their write's answer. Any other 404
    under ``/api/`` (Django's debug page included) becomes problem+json.

    It runs inside Django's CommonMiddleware, so that one never redirects or
    (in debug) raises for an API path. A request that resolves costs nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or not request.path_info.startswith("/api/"):
            return response
        urlconf = getattr(request, "urlconf", None)
        path = request.path_info
        if is_valid_path(path, urlconf):
            return response  # a view's own answer: that resource does not exist
        if not path.endswith("/") and is_valid_path(f"{path}/", urlconf):
            # The view was never reached (no route matched): nothing ran, nothing was read.
            request.path_info = f"{path}/"
            request.path = f"{request.path}/"
            return self.get_response(request)
        return problem_response(NotFound(), request)
