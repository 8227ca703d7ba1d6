"""Content negotiation: DRF's rules, answered without parsing for the common headers.

Almost every caller sends no ``Accept`` header, ``*/*`` or exactly the view's first
media type; for those DRF's answer is always the first renderer, so it is given
directly. Anything else (several types, quality values, ``?format=``) goes through
DRF's full negotiation, 406 included: for a ``?format=`` no renderer offers too,
where DRF answers 404 (the resource exists; that form of it does not).
"""

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation

from hub.errors import NotAcceptable


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        format_param = self.settings.URL_FORMAT_OVERRIDE
        if (
            renderers
            and not format_suffix
            and not (format_param and format_param in request.query_params)
        ):
            first = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if accept == "*/*":
                return first, first.media_type
            if accept == first.media_type:
                return first, accept
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            raise NotAcceptable() from None
