"""Request body parsing: JSON only (with size limits), malformed bodies answer 400."""

import orjson
from django.conf import settings
from rest_framework import parsers

from hub.errors import MalformedRequest, PayloadTooLarge, find_nul, nul_character


class JSONParser(parsers.BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            data = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError:
            raise MalformedRequest(
                "Isi permintaan bukan JSON yang valid.", "The body is not valid JSON."
            ) from None
        # JSON can carry U+0000 only escaped; the walk runs when the escape is there.
        if b"\\u0000" in raw:
            found = find_nul(data)
            if found is not None:
                raise nul_character(found)
        return data
