"""JSON rendering with orjson: the read path's encoder."""

import orjson
from rest_framework import renderers


class JSONRenderer(renderers.BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, bytes):
            return data
        # Dates and times as RFC 3339 (what serializers give too); anything else
        # orjson does not know (Decimal, lazy translations…) as its text.
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=str)


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"
