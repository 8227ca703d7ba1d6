"""The request's language, for a site whose URLs carry no language prefix.

Django's ``LocaleMiddleware`` also serves ``i18n_patterns`` (``/en/...``
URLs): it reads the language from the path twice per request and redirects
unprefixed paths. The hub has no such URLs, so this middleware keeps only
what applies: the language comes from the language cookie or
``Accept-Language`` (Bahasa Indonesia by default), is activated for the
request, and the response says which one it speaks (``Content-Language``,
``Vary: Accept-Language``), exactly as Django's middleware answers here.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.cache import patch_vary_headers


def active_language() -> str:
    """``en`` when the language activated for this request is English, else ``id``.

    The hub speaks Bahasa Indonesia and English; anything else the locale
    middleware chose reads as Indonesian, as messages (``message_id``/``message_en``)
    are written.
    """
    return "en" if (translation.get_language() or "id").startswith("en") else "id"


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
