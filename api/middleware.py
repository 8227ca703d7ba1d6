"""Requests refused before any view: text no part of the hub can store."""

from __future__ import annotations

from api.errors import problem_response
from hub.errors import nul_character


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
