"""Build and validate OASIS CAP 1.2 alert messages.

A bulletin becomes a CAP ``<alert>`` through :func:`build_alert`, from a plain
dict whose keys are the CAP element names. Elements are written in the order
the CAP 1.2 schema requires and empty optional elements are left out.
:func:`validate` checks a document against the CAP 1.2 XML schema shipped
beside this module.

Times follow CAP's rules (``YYYY-MM-DDThh:mm:ss+hh:mm``, never ``Z``, UTC as
``-00:00``) and are written in the Indonesian time zone (WIB, WITA, WIT) of the
region the bulletin is about, see :func:`cap_datetime`.

Pure building block: no Django dependency.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = [
    "CAP_NS",
    "SCHEMA_PATH",
    "CapInvalid",
    "build_alert",
    "cap_datetime",
    "cap_references",
    "circle_to_cap",
    "inside_indonesia",
    "polygon_to_cap",
    "province_utc_offset",
    "valid_identifier",
    "validate",
]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).with_name("CAP-v1.2.xsd")

# --------------------------------------------------------------------------
# time zones

WIB = timedelta(hours=7)
WITA = timedelta(hours=8)
WIT = timedelta(hours=9)

#: Province (first two digits of a kode wilayah) -> UTC offset of its time zone.
PROVINCE_UTC_OFFSETS: dict[str, timedelta] = {
    # Sumatra and the Riau islands: WIB
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), WIB),
    # Java: WIB
    **dict.fromkeys(("31", "32", "33", "34", "35", "36"), WIB),
    # West and Central Kalimantan: WIB
    "61": WIB,
    "62": WIB,
    # Bali and Nusa Tenggara: WITA
    "51": WITA,
    "52": WITA,
    "53": WITA,
    # South, East and North Kalimantan: WITA
    "63": WITA,
    "64": WITA,
    "65": WITA,
    # Sulawesi: WITA
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), WITA),
    # Maluku and North Maluku: WIT
    "81": WIT,
    "82": WIT,
    # Papua, Papua Barat, Papua Selatan, Papua Tengah, Papua Pegunungan, Papua Barat Daya: WIT
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), WIT),
}

_REGION_CODE_RE = re.compile(r"^(\d{2})(?:[.\d]*)$")
_CAP_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[-+]\d{2}:\d{2}$")


def province_utc_offset(code: str) -> timedelta:
    """Return the UTC offset of the Indonesian time zone of a region.

    ``code`` is a kode wilayah at any level (``"35"``, ``"35.07"``,
    ``"35.07.01.2001"``); its first two digits name the province. The result is
    7 hours (WIB), 8 hours (WITA) or 9 hours (WIT). Raises ``ValueError`` for a
    code that does not start with the code of an existing province.
    """
    match = _REGION_CODE_RE.match(code.strip()) if isinstance(code, str) else None
    if match is None or match.group(1) not in PROVINCE_UTC_OFFSETS:
        raise ValueError(f"not a kode wilayah of an Indonesian province: {code!r}")
    return PROVINCE_UTC_OFFSETS[match.group(1)]


def cap_datetime(dt: datetime, region_code: str | None = None) -> str:
    """Format an aware datetime as a CAP 1.2 time, e.g. ``2025-04-10T07:44:20+07:00``.

    With ``region_code`` the same instant is written in the region's time zone
    (see :func:`province_utc_offset`); without one it is written in UTC as
    ``-00:00`` (CAP 1.2 §3.3.2). Fractional seconds are dropped and ``Z`` is
    never used, so the result always matches the CAP schema's time pattern.
    Raises ``ValueError`` for a naive datetime or an unknown region.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("cap_datetime needs a timezone-aware datetime")
    if region_code is None:
        local = dt.astimezone(UTC).replace(microsecond=0)
        return local.strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"
    offset = province_utc_offset(region_code)
    local = dt.astimezone(timezone(offset)).replace(microsecond=0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"+{hours:02d}:{rest // 60:02d}"


# --------------------------------------------------------------------------
# small value helpers


def valid_identifier(value: object) -> bool:
    """Return True if ``value`` may be a CAP identifier or sender.

    CAP 1.2 requires a non-empty string without spaces (any whitespace),
    commas or the restricted characters ``<`` and ``&``.
    """
    return (
        isinstance(value, str)
        and value != ""
        and not any(ch.isspace() or ch in ",<&" for ch in value)
    )


def cap_references(items: Iterable[Sequence[str]]) -> str:
    """Return a CAP ``<references>`` value for earlier messages.

    Each item is ``(sender, identifier, sent)``; the result is the
    space-separated ``sender,identifier,sent`` triples in the given order.
    Raises ``ValueError`` if a sender or identifier is not a valid CAP
    identifier, a ``sent`` is not a CAP time, or there is no item.
    """
    triples = []
    for item in items:
        sender, identifier, sent = item
        if not valid_identifier(sender):
            raise ValueError(f"invalid CAP sender: {sender!r}")
        if not valid_identifier(identifier):
            raise ValueError(f"invalid CAP identifier: {identifier!r}")
        if not isinstance(sent, str) or not _CAP_DATETIME_RE.match(sent):
            raise ValueError(f"not a CAP time: {sent!r}")
        triples.append(f"{sender},{identifier},{sent}")
    if not triples:
        raise ValueError("references need at least one earlier message")
    return " ".join(triples)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite")
    return number


def _fmt_number(number: float) -> str:
    """Decimal notation without exponent, at most 6 decimals (~0.1 m), no trailing zeros."""
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _point(lat: object, lon: object) -> tuple[float, float]:
    lat_f = _number(lat, "latitude")
    lon_f = _number(lon, "longitude")
    if not -90.0 <= lat_f <= 90.0:
        raise ValueError(f"latitude out of range: {lat_f}")
    if not -180.0 <= lon_f <= 180.0:
        raise ValueError(f"longitude out of range: {lon_f}")
    return lat_f, lon_f


def polygon_to_cap(points: Iterable[Sequence[float]]) -> str:
    """Return a CAP ``<polygon>`` value: space-separated WGS 84 ``lat,lon`` pairs.

    ``points`` are ``(lat, lon)`` pairs. The ring is closed (the first point
    is repeated at the end when the input does not already end with it), so
    the result always starts and ends with the same pair; it has at least
    four pairs, as CAP 1.2 requires. Raises ``ValueError`` for fewer than
    three distinct vertices or a coordinate out of range.
    """
    ring = [_point(lat, lon) for lat, lon in points]
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4 or len(set(ring)) < 3:
        raise ValueError("a CAP polygon needs at least three distinct points")
    return " ".join(f"{_fmt_number(lat)},{_fmt_number(lon)}" for lat, lon in ring)


def circle_to_cap(lat: float, lon: float, radius_km: float) -> str:
    """Return a CAP ``<circle>`` value ``"lat,lon radius"`` (WGS 84, radius in km).

    Raises ``ValueError`` for a coordinate out of range or a negative or
    non-finite radius.
    """
    lat_f, lon_f = _point(lat, lon)
    radius = _number(radius_km, "radius")
    if radius < 0:
        raise ValueError("radius must not be negative")
    return f"{_fmt_number(lat_f)},{_fmt_number(lon_f)} {_fmt_number(radius)}"


#: Bounding box of Indonesian territory (with a small margin): lat, lon ranges.
INDONESIA_LAT = (-11.1, 6.1)
INDONESIA_LON = (94.7, 141.1)


def inside_indonesia(lat: float, lon: float) -> bool:
    """Return True if the point lies in Indonesia's bounding box.

    The box is lat -11.1..6.1, lon 94.7..141.1 (edges included); it is a cheap
    plausibility check for coordinates (e.g. swapped lat/lon), not a border test.
    """
    lat_f = _number(lat, "latitude")
    lon_f = _number(lon, "longitude")
    return (
        INDONESIA_LAT[0] <= lat_f <= INDONESIA_LAT[1]
        and INDONESIA_LON[0] <= lon_f <= INDONESIA_LON[1]
    )


# --------------------------------------------------------------------------
# building


# Element order of the CAP 1.2 schema. Each entry is (name, kind), where kind
# says how a value is written: "text" one element, "list" one element per item,
# "pairs" valueName/value children, or the name of a nested block.
_ALERT_ORDER: tuple[tuple[str, str], ...] = (
    ("identifier", "text"),
    ("sender", "text"),
    ("sent", "text"),
    ("status", "text"),
    ("msgType", "text"),
    ("source", "text"),
    ("scope", "text"),
    ("restriction", "text"),
    ("addresses", "words"),
    ("code", "list"),
    ("note", "text"),
    ("references", "references"),
    ("incidents", "words"),
    ("info", "info"),
)
_INFO_ORDER: tuple[tuple[str, str], ...] = (
    ("language", "text"),
    ("category", "list"),
    ("event", "text"),
    ("responseType", "list"),
    ("urgency", "text"),
    ("severity", "text"),
    ("certainty", "text"),
    ("audience", "text"),
    ("eventCode", "pairs"),
    ("effective", "text"),
    ("onset", "text"),
    ("expires", "text"),
    ("senderName", "text"),
    ("headline", "text"),
    ("description", "text"),
    ("instruction", "text"),
    ("web", "text"),
    ("contact", "text"),
    ("parameter", "pairs"),
    ("resource", "resource"),
    ("area", "area"),
)
_RESOURCE_ORDER: tuple[tuple[str, str], ...] = (
    ("resourceDesc", "text"),
    ("mimeType", "text"),
    ("size", "text"),
    ("uri", "text"),
    ("derefUri", "text"),
    ("digest", "text"),
)
_AREA_ORDER: tuple[tuple[str, str], ...] = (
    ("areaDesc", "text"),
    ("polygon", "list"),
    ("circle", "list"),
    ("geocode", "pairs"),
    ("altitude", "text"),
    ("ceiling", "text"),
)
_BLOCKS: dict[str, tuple[tuple[str, str], ...]] = {
    "info": _INFO_ORDER,
    "resource": _RESOURCE_ORDER,
    "area": _AREA_ORDER,
}


def _q(name: str) -> str:
    return f"{{{CAP_NS}}}{name}"


def _empty(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _text(value: object, where: str) -> str:
    if isinstance(value, bool):
        raise ValueError(f"{where}: booleans have no CAP form")
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return _fmt_number(_number(value, where))
    raise ValueError(f"{where}: expected text or a number, not {type(value).__name__}")


def _words(value: object, where: str) -> str:
    """CAP address/incident lists: space-delimited, items with spaces in double quotes."""
    if isinstance(value, str):
        return value
    items = []
    for item in _as_list(value):
        text = _text(item, where)
        if '"' in text or not text:
            raise ValueError(f"{where}: item {text!r} cannot be written in a CAP list")
        items.append(f'"{text}"' if any(ch.isspace() for ch in text) else text)
    return " ".join(items)


def _pair(item: object, where: str) -> tuple[str, str]:
    if isinstance(item, Mapping):
        extra = set(item) - {"valueName", "value"}
        if extra:
            raise ValueError(f"{where}: unknown keys {sorted(extra)}")
        return _text(item.get("valueName"), where), _text(item.get("value"), where)
    if isinstance(item, list | tuple) and len(item) == 2:
        return _text(item[0], where), _text(item[1], where)
    raise ValueError(f"{where}: expected {{'valueName': ..., 'value': ...}}")


def _fill(
    parent: etree._Element,
    data: Mapping[str, Any],
    order: tuple[tuple[str, str], ...],
    where: str,
) -> None:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a mapping")
    unknown = set(data) - {name for name, _ in order}
    if unknown:
        raise ValueError(f"{where}: unknown CAP element(s) {sorted(unknown)}")
    for name, kind in order:
        value = data.get(name)
        if _empty(value):
            continue
        path = f"{where}.{name}"
        if kind == "text":
            etree.SubElement(parent, _q(name)).text = _text(value, path)
        elif kind == "words":
            etree.SubElement(parent, _q(name)).text = _words(value, path)
        elif kind == "references":
            text = value if isinstance(value, str) else cap_references(value)
            etree.SubElement(parent, _q(name)).text = text
        elif kind == "list":
            for item in _as_list(value):
                if not _empty(item):
                    etree.SubElement(parent, _q(name)).text = _text(item, path)
        elif kind == "pairs":
            for item in _as_list(value):
                value_name, value_text = _pair(item, path)
                element = etree.SubElement(parent, _q(name))
                etree.SubElement(element, _q("valueName")).text = value_name
                etree.SubElement(element, _q("value")).text = value_text
        else:
            for index, item in enumerate(_as_list(value)):
                block = etree.SubElement(parent, _q(name))
                _fill(block, item, _BLOCKS[kind], f"{path}[{index}]")


def build_alert(alert: Mapping[str, Any]) -> bytes:
    """Return a CAP 1.2 ``<alert>`` document built from a plain dict.

    Keys are CAP element names (``identifier``, ``sender``, ``sent``, ...,
    ``info`` -> list of dicts with ``resource`` and ``area`` lists inside).
    Repeatable elements (``code``, ``category``, ``responseType``,
    ``polygon``, ``circle``) take a list (a single string is one item);
    ``eventCode``, ``parameter`` and ``geocode`` take lists of
    ``{"valueName": ..., "value": ...}``; ``references`` takes a ready string
    or ``(sender, identifier, sent)`` triples; ``addresses``/``incidents``
    take a string or a list (items with spaces are quoted). Times must
    already be CAP strings (see :func:`cap_datetime`).

    Guarantees: elements appear in the order the CAP 1.2 schema requires
    whatever the dict order; ``None``, ``""`` and empty lists are omitted;
    output is UTF-8 with an XML declaration, in the CAP 1.2 namespace.
    Unknown keys raise ``ValueError`` (a misspelt element is never dropped
    silently). The document is not validated here: call :func:`validate`.
    """
    root = etree.Element(_q("alert"), nsmap={None: CAP_NS})
    _fill(root, alert, _ALERT_ORDER, "alert")
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# --------------------------------------------------------------------------
# validation


class CapInvalid(Exception):
    """A document is not a valid CAP 1.2 alert; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors) or "invalid CAP document")


_SCHEMA_LOCK = threading.Lock()


@functools.cache
def _schema() -> etree.XMLSchema:
    """Load and compile the CAP 1.2 schema once per process."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def _document_parser() -> etree.XMLParser:
    # No entity expansion, DTD loading or network access: alerts may come from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def validate(xml_bytes: bytes) -> None:
    """Check a document against the CAP 1.2 XML schema; return None when valid.

    Raises :class:`CapInvalid` whose ``errors`` holds one readable message per
    problem (``"line N: ..."``) when the bytes are not well-formed XML, carry
    a DOCTYPE, or do not conform to the schema (wrong element order, missing required
    elements, values outside the CAP enumerations, malformed times, ...).
    Entities are not expanded and nothing is fetched from the network.
    """
    if isinstance(xml_bytes, str):
        raise TypeError("validate expects bytes (the encoded XML document)")
    try:
        document = etree.fromstring(xml_bytes, _document_parser())
    except etree.XMLSyntaxError as exc:
        raise CapInvalid([f"not well-formed XML: {exc}"]) from exc
    docinfo = document.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # CAP messages never carry a DTD; refusing one rules out entity tricks.
        raise CapInvalid(["a DOCTYPE is not allowed in a CAP message"])
    schema = _schema()
    with _SCHEMA_LOCK:  # one compiled schema, and its error_log, shared by all threads
        try:
            valid = schema.validate(document)
        except etree.XMLSchemaValidateError as exc:
            raise CapInvalid([f"cannot be validated: {exc}"]) from exc
        errors = [f"line {error.line}: {error.message}" for error in schema.error_log]
    if not valid:
        raise CapInvalid(errors or ["document does not conform to the CAP 1.2 schema"])
