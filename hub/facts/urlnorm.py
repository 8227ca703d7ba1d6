"""Normalising links, so the same post shared with different decorations is one key.

``https://WWW.Facebook.com/post/1/?utm_source=wa&fbclid=xyz`` and
``http://facebook.com/post/1`` are the same appearance of a claim. The rules are
deliberately conservative: only decorations that never change what a link
points at are removed.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track who shared or clicked a link.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "si",
        "mibextid",
        "ref_src",
        "ref_url",
        "share_app_id",
        "_hsenc",
        "_hsmi",
        "mc_cid",
        "mc_eid",
        "wa_status_inline",
    }
)
TRACKING_PREFIXES = ("utm_",)
# Host-specific share decorations (X's ?s=20&t=…, YouTube's share button, TikTok's share
# parameters). YouTube's ``t`` stays: it is where the video starts.
HOST_TRACKING_PARAMS = {
    "x.com": frozenset({"s", "t"}),
    "youtube.com": frozenset({"feature", "pp"}),
    "tiktok.com": frozenset({"is_from_webapp", "sender_device", "_r", "_t", "web_id"}),
}
# Mobile and legacy host names that serve the same content as the main host.
HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "m.facebook.com": "facebook.com",
    "web.facebook.com": "facebook.com",
    "mbasic.facebook.com": "facebook.com",
    "m.youtube.com": "youtube.com",
}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


class InvalidUrl(ValueError):
    """The text is not an absolute http(s) URL."""


def normalize_url(raw: str) -> str:
    """The canonical form of a link: same post, same string.

    Scheme and host are lower-cased (and the scheme folded to ``https``), a
    leading ``www.`` and known mobile host aliases are dropped, default ports,
    fragments, tracking parameters (``utm_*``, ``fbclid``, ``gclid``,
    ``igshid``, ``si``, …) and a trailing slash are removed, the remaining
    query parameters are sorted, and ``youtu.be/ID`` becomes
    ``youtube.com/watch?v=ID``. Raises :class:`InvalidUrl` for anything but an
    absolute http(s) URL.
    """
    text = (raw or "").strip()
    if not _SCHEME_RE.match(text):
        raise InvalidUrl(f"not an absolute URL: {raw!r}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidUrl(f"not an http(s) URL: {raw!r}")
    try:
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidUrl(f"invalid host name in {raw!r}") from None
    host = host.removeprefix("www.")
    host = HOST_ALIASES.get(host, host)
    path = re.sub(r"/{2,}", "/", parts.path or "")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if host == "youtu.be" and path.strip("/"):
        query = [("v", path.strip("/").split("/")[0]), *query]
        host, path = "youtube.com", "/watch"
    drop = HOST_TRACKING_PARAMS.get(host, frozenset())
    query = [
        (name, value)
        for name, value in query
        if name.lower() not in TRACKING_PARAMS
        and name.lower() not in drop
        and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = path.rstrip("/")
    # http and https of one host serve the same post; one key for both.
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


def url_key(normalized: str) -> str:
    """The index key of a normalised URL."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
