"""Request body parsing: JSON with size limits (malformed bodies answer 400), and bodies left
unread for the code that streams or parses them itself."""

import orjson
from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from rest_framework import parsers

from hub.errors import MalformedRequest, PayloadTooLarge, find_nul, nul_character

# No document the hub reads nests deeper than a few levels; anything deeper is refused
# before code that walks values recursively (validation, messages, logs) meets it.
MAX_DEPTH = 32


class UnreadBodyParser(parsers.BaseParser):
    """Accepts a body of any type without reading it: whoever serves the request reads it.

    Anything that asks DRF for the form data (the CSRF check of a session
    caller) gets an empty form, so the body is read exactly once, later: by the
    media services, which stream uploads, and by GraphQL, which parses its own.
    """

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return parsers.DataAndFiles(QueryDict(), MultiValueDict())


def too_deep(raw: bytes, data) -> bool:
    """Whether parsed JSON nests lists and objects deeper than MAX_DEPTH (no recursion)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False  # not enough brackets to nest that deep
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def load_json(raw: bytes):
    """A request body as JSON, for REST and GraphQL alike: strict UTF-8 (no lone
    surrogates), and nested no deeper than MAX_DEPTH. Raises MalformedRequest."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "recursion depth exceeded" in str(exc):  # deeper than orjson reads (1024)
            raise _too_deep() from None
        raise MalformedRequest(
            "Isi permintaan bukan JSON yang valid.", "The body is not valid JSON."
        ) from None
    if isinstance(data, dict | list) and too_deep(raw, data):
        raise _too_deep()
    return data


def _too_deep() -> MalformedRequest:
    return MalformedRequest(
        f"Isi permintaan bersarang terlalu dalam (maks. {MAX_DEPTH} tingkat).",
        f"The body nests deeper than {MAX_DEPTH} levels.",
        code="too_deep",
    )


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
        data = load_json(raw or b"{}")
        # JSON can carry U+0000 only escaped; the walk runs when the escape is there.
        if b"\\u0000" in raw:
            found = find_nul(data)
            if found is not None:
                raise nul_character(found)
        return data
