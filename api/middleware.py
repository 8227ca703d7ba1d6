"""Requests refused around the views: text no part of the hub can store, bare refusals."""

from __future__ import annotations

from django.http import HttpResponseNotAllowed

from api.errors import problem_response
from hub.errors import MethodNotAllowed, nul_character


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
