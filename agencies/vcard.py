"""vCard 4.0 (RFC 6350) and jCard (RFC 7095) from plain data.

Pure building blocks for the contact directory: the caller fills :class:`Card`
from its own records (contact values already normalised by
:mod:`agencies.contact_values`) and gets text or JSON-ready lists back.

Representation choices:

* ``TEL`` uses ``VALUE=uri`` (RFC 6350 §6.4.1): ``tel:+62…`` for E.164
  numbers and ``tel:112`` for short codes (strict RFC 3966 would ask for
  ``;phone-context=+62`` on such local numbers, which phone dialers do not
  reliably accept, so it is left out).
* Social profiles are written as ``SOCIALPROFILE`` (RFC 9554) with
  ``SERVICE-TYPE`` and ``USERNAME`` parameters and, unless disabled, also as
  the older ``X-SOCIALPROFILE;TYPE=…;X-USER=…`` read by Apple Contacts. jCard
  carries only the standard ``socialprofile``.
* ``REV`` is a UTC timestamp; naive datetimes are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "KINDS",
    "Address",
    "Card",
    "Email",
    "Social",
    "Tel",
    "to_jcard",
    "to_vcard",
]

KINDS = ("org", "individual", "location", "group")
TEL_TYPES = frozenset(
    {"text", "voice", "fax", "cell", "video", "pager", "textphone", "work", "home"}
)

#: Display names of social platforms for the SERVICE-TYPE parameter.
SERVICE_NAMES = {
    "x": "X",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
}

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEL_VALUE = re.compile(r"^(?:\+[1-9]\d{6,14}|\d{3,6})$")
_LINE_LIMIT = 75


@dataclass(frozen=True)
class Tel:
    """A telephone number: E.164 (``+62…``) or short-code digits (``112``).

    ``types`` are RFC 6350 TEL types (voice, cell, fax, text, video, pager,
    textphone) and work/home; ``pref`` is 1 (most preferred) to 100.
    """

    value: str
    types: Sequence[str] = ("voice",)
    pref: int | None = None


@dataclass(frozen=True)
class Email:
    """An e-mail address with optional work/home ``types`` and ``pref`` 1-100."""

    value: str
    types: Sequence[str] = ()
    pref: int | None = None


@dataclass(frozen=True)
class Address:
    """A postal address; the components of ADR in RFC 6350 §6.3.1 order."""

    street: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "Indonesia"
    po_box: str = ""
    extended: str = ""
    label: str = ""
    types: Sequence[str] = ("work",)


@dataclass(frozen=True)
class Social:
    """A social media profile: platform key (x, instagram…), profile URL, handle."""

    platform: str
    url: str
    handle: str = ""


@dataclass(frozen=True)
class Card:
    """One contact card.

    ``kind`` is org, individual, location or group; ``fn`` (the display name)
    is required. ``org`` is the organisation name and ``org_units`` its units,
    largest first. ``n`` is the structured name of an individual (family,
    given, additional, prefixes, suffixes). ``lang`` is a BCP 47 tag of the
    language for contacting the entity (``id``). ``rev`` must be timezone-aware.
    """

    fn: str
    kind: str = "org"
    n: Sequence[str] | None = None
    org: str = ""
    org_units: Sequence[str] = ()
    title: str = ""
    role: str = ""
    tel: Sequence[Tel] = ()
    email: Sequence[Email] = ()
    url: Sequence[str] = ()
    adr: Address | None = None
    geo: tuple[float, float] | None = None
    note: str = ""
    categories: Sequence[str] = ()
    uid: str = ""
    rev: datetime | None = None
    social: Sequence[Social] = ()
    lang: str = ""


# ---------------------------------------------------------------------------
# Value helpers shared by both formats
# ---------------------------------------------------------------------------


def _check_card(card: Card) -> None:
    """Raise ValueError unless ``card`` can be written as a valid vCard 4.0."""
    if card.kind not in KINDS:
        raise ValueError(f"unknown card kind: {card.kind!r}")
    if not card.fn.strip():
        raise ValueError("a card needs a formatted name (fn)")
    if card.n is not None and len(card.n) != 5:
        raise ValueError("n must have five components")
    for tel in card.tel:
        if not _TEL_VALUE.match(tel.value):
            raise ValueError(f"telephone value is neither E.164 nor a short code: {tel.value!r}")
        _check_types(tel.types, TEL_TYPES)
        _check_pref(tel.pref)
    for email in card.email:
        if not email.value or _CONTROL.search(email.value):
            raise ValueError(f"not an e-mail address: {email.value!r}")
        _check_types(email.types, frozenset({"work", "home"}))
        _check_pref(email.pref)
    for social in card.social:
        if social.platform not in SERVICE_NAMES:
            raise ValueError(f"unknown social platform: {social.platform!r}")
    for uri in [*card.url, *(social.url for social in card.social)]:
        if not _URI.match(uri):
            raise ValueError(f"not an absolute URI without spaces: {uri!r}")
    if card.lang and not _LANGUAGE_TAG.match(card.lang):
        raise ValueError(f"not a language tag: {card.lang!r}")
    if card.adr is not None:
        _check_types(card.adr.types, frozenset({"work", "home"}))
    if card.geo is not None:
        lat, lon = card.geo
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"geo out of range: {card.geo!r}")
    if card.rev is not None and card.rev.utcoffset() is None:
        raise ValueError("rev must be a timezone-aware datetime")


def _check_types(types: Iterable[str], allowed: frozenset[str]) -> None:
    """Raise ValueError unless every type is in ``allowed``."""
    for value in types:
        if value.lower() not in allowed:
            raise ValueError(f"unknown type parameter value: {value!r}")


def _check_pref(pref: int | None) -> None:
    """Raise ValueError unless ``pref`` is None or an integer 1-100."""
    if pref is not None and not (isinstance(pref, int) and 1 <= pref <= 100):
        raise ValueError(f"pref must be an integer from 1 to 100: {pref!r}")


def _geo_uri(geo: tuple[float, float]) -> str:
    """Return the RFC 5870 ``geo:`` URI of a latitude/longitude pair."""

    def number(value: float) -> str:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    return f"geo:{number(geo[0])},{number(geo[1])}"


def _uid_is_uri(uid: str) -> bool:
    """Tell whether ``uid`` is a URI (the default UID value type) rather than text."""
    return bool(_URI.match(uid))


def _org_components(card: Card) -> list[str]:
    """Return the ORG components: name then units."""
    return [card.org, *card.org_units]


def _adr_components(adr: Address) -> list[str]:
    """Return the seven ADR components in RFC 6350 order."""
    return [
        adr.po_box,
        adr.extended,
        adr.street,
        adr.locality,
        adr.region,
        adr.postal_code,
        adr.country,
    ]


# ---------------------------------------------------------------------------
# vCard text
# ---------------------------------------------------------------------------


def _escape(value: str) -> str:
    """Escape a text value per RFC 6350 §3.4 (backslash, comma, semicolon, newline).

    Control characters other than tab and line breaks are removed.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_EXCEPT_NEWLINE.sub("", value)
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _param_value(value: str) -> str:
    """Encode a parameter value (RFC 6868 caret encoding, quoted when needed)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL_EXCEPT_NEWLINE.sub("", value)
    encoded = value.replace("^", "^^").replace("\n", "^n").replace('"', "^'")
    if re.search(r"[;:,\x00-\x1f\x7f]", encoded) or encoded != encoded.strip():
        return f'"{encoded}"'
    return encoded


def _params(**params: object) -> str:
    """Return ``;NAME=value`` text for the given parameters, skipping empty ones."""
    parts = []
    for name, value in params.items():
        if value is None or value == "" or value == ():
            continue
        key = name.upper().replace("_", "-")
        if isinstance(value, (list, tuple)):
            parts.append(f"{key}={','.join(_param_value(str(v)) for v in value)}")
        else:
            parts.append(f"{key}={_param_value(str(value))}")
    return "".join(f";{part}" for part in parts)


def _fold(line: str) -> str:
    """Fold a content line into CRLF-terminated lines of at most 75 octets.

    Continuation lines start with one space; multi-byte UTF-8 characters are
    never split.
    """
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > _LINE_LIMIT:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "".join(f"{part}\r\n" for part in out)


def _vcard_lines(card: Card, *, apple_social: bool) -> list[str]:
    """Return the unfolded content lines of one card."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"KIND:{card.kind}", f"FN:{_escape(card.fn)}"]
    if card.n is not None:
        lines.append("N:" + ";".join(_escape(part) for part in card.n))
    if card.org or card.org_units:
        lines.append("ORG:" + ";".join(_escape(part) for part in _org_components(card)))
    if card.title:
        lines.append(f"TITLE:{_escape(card.title)}")
    if card.role:
        lines.append(f"ROLE:{_escape(card.role)}")
    for tel in card.tel:
        params = _params(value="uri", type=tuple(t.lower() for t in tel.types), pref=tel.pref)
        lines.append(f"TEL{params}:tel:{tel.value}")
    for email in card.email:
        params = _params(type=tuple(t.lower() for t in email.types), pref=email.pref)
        lines.append(f"EMAIL{params}:{_escape(email.value)}")
    for url in card.url:
        lines.append(f"URL:{url}")
    for social in card.social:
        service = SERVICE_NAMES[social.platform]
        params = _params(service_type=service, username=social.handle or None)
        lines.append(f"SOCIALPROFILE{params}:{social.url}")
        if apple_social:
            params = _params(type=social.platform, x_user=social.handle or None)
            lines.append(f"X-SOCIALPROFILE{params}:{social.url}")
    if card.adr is not None:
        params = _params(type=tuple(t.lower() for t in card.adr.types), label=card.adr.label)
        value = ";".join(_escape(part) for part in _adr_components(card.adr))
        lines.append(f"ADR{params}:{value}")
    if card.geo is not None:
        lines.append(f"GEO:{_geo_uri(card.geo)}")
    if card.lang:
        lines.append(f"LANG:{card.lang}")
    if card.categories:
        lines.append("CATEGORIES:" + ",".join(_escape(c) for c in card.categories))
    if card.note:
        lines.append(f"NOTE:{_escape(card.note)}")
    if card.uid:
        if _uid_is_uri(card.uid):
            lines.append(f"UID:{card.uid}")
        else:
            lines.append(f"UID;VALUE=text:{_escape(card.uid)}")
    if card.rev is not None:
        lines.append("REV:" + card.rev.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    return lines


def to_vcard(cards: Iterable[Card], *, apple_social: bool = True) -> str:
    """Serialise cards as one vCard 4.0 stream.

    Guarantees: each card is ``BEGIN:VCARD``, ``VERSION:4.0`` … ``END:VCARD``;
    every line ends with CRLF and is at most 75 octets (longer content lines
    are folded with CRLF + space, never inside a UTF-8 character); text
    values are escaped per RFC 6350 §3.4 and parameter values per RFC 6868.
    ``apple_social`` adds ``X-SOCIALPROFILE`` next to each ``SOCIALPROFILE``.
    Raises ValueError for a card that cannot be written (see :class:`Card`).
    """
    out = []
    for card in cards:
        _check_card(card)
        out.extend(_fold(line) for line in _vcard_lines(card, apple_social=apple_social))
    return "".join(out)


# ---------------------------------------------------------------------------
# jCard
# ---------------------------------------------------------------------------


def _jparams(**params: object) -> dict[str, object]:
    """Return a jCard parameter object: lowercase names, one value as string, more as list."""
    out: dict[str, object] = {}
    for name, value in params.items():
        if value is None or value == "" or value == ():
            continue
        key = name.lower().replace("_", "-")
        if isinstance(value, (list, tuple)):
            values = [str(v) for v in value]
            out[key] = values[0] if len(values) == 1 else values
        else:
            out[key] = str(value)
    return out


def to_jcard(card: Card) -> list:
    """Return the RFC 7095 jCard of one card.

    Guarantees the shape ``["vcard", [[name, params, type, value…], …]]`` with
    ``["version", {}, "text", "4.0"]`` first, lowercase property and
    parameter names, parameter values as strings (lists when multi-valued),
    structured values (n, org with units, adr) as arrays and the timestamp
    in extended ISO 8601 (``2025-01-31T08:00:00Z``). The result is ready for
    ``json.dumps``. Raises ValueError as :func:`to_vcard` does.
    """
    _check_card(card)
    props: list[list] = [
        ["version", {}, "text", "4.0"],
        ["kind", {}, "text", card.kind],
        ["fn", {}, "text", card.fn],
    ]
    if card.n is not None:
        props.append(["n", {}, "text", list(card.n)])
    if card.org or card.org_units:
        components = _org_components(card)
        props.append(["org", {}, "text", components[0] if len(components) == 1 else components])
    if card.title:
        props.append(["title", {}, "text", card.title])
    if card.role:
        props.append(["role", {}, "text", card.role])
    for tel in card.tel:
        params = _jparams(type=tuple(t.lower() for t in tel.types), pref=tel.pref)
        props.append(["tel", params, "uri", f"tel:{tel.value}"])
    for email in card.email:
        params = _jparams(type=tuple(t.lower() for t in email.types), pref=email.pref)
        props.append(["email", params, "text", email.value])
    for url in card.url:
        props.append(["url", {}, "uri", url])
    for social in card.social:
        params = _jparams(
            service_type=SERVICE_NAMES[social.platform], username=social.handle or None
        )
        props.append(["socialprofile", params, "uri", social.url])
    if card.adr is not None:
        params = _jparams(type=tuple(t.lower() for t in card.adr.types), label=card.adr.label)
        props.append(["adr", params, "text", _adr_components(card.adr)])
    if card.geo is not None:
        props.append(["geo", {}, "uri", _geo_uri(card.geo)])
    if card.lang:
        props.append(["lang", {}, "language-tag", card.lang])
    if card.categories:
        props.append(["categories", {}, "text", *card.categories])
    if card.note:
        props.append(["note", {}, "text", card.note])
    if card.uid:
        props.append(["uid", {}, "uri" if _uid_is_uri(card.uid) else "text", card.uid])
    if card.rev is not None:
        stamp = card.rev.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        props.append(["rev", {}, "timestamp", stamp])
    return ["vcard", props]
