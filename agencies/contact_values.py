"""Validation and normalisation of agency contact values.

Pure building blocks for the contact directory: no Django, no database. Every
function either returns a canonical value or raises :class:`ContactValueError`
with a stable ``code`` and a message in Bahasa Indonesia and English.

Phone numbers
-------------
Numbers are parsed with ``phonenumbers`` for region ``ID`` and stored in E.164
(``+62…``), except official short codes (``112``, ``110``…), which are stored
as their bare digits and only when they are in the allow-list the caller
passes in. Facts about the ``phonenumbers`` metadata this module relies on:

* ``1500xxx`` call-centre numbers (UAN, exactly three digits after ``1500``)
  are *valid* ``UAN`` numbers with E.164 ``+621500xxx``; the library formats
  them nationally as ``1 500 xxx``; this module displays them the way
  Indonesians write them, ``1500 xxx``. ``1500`` followed by four digits is
  invalid.
* ``0800`` followed by 5 to 7 digits (and ``0177x…``) is ``TOLL_FREE`` and
  valid, E.164 ``+62800…``.
* Short codes (``110``, ``112``…) are never valid numbers to the library; its
  short-number data knows only ``110, 112, 113, 118, 119`` as emergency
  numbers and ``140xx`` as short codes, not ``115, 117, 129``. Short codes are
  therefore decided by the allow-list alone.
* The library's international prefix for Indonesia is ``00[89]`` only, and a
  ``62`` prefix without ``+`` is read as a national number (``62 21 3456789``
  would become a Pematangsiantar ``0622`` number). This module handles
  ``0062``/``001``/``007``/``008``/``009`` and a bare ``62`` itself.
* Letters are silently converted to keypad digits by the library (``psw``
  becomes ``779``), so letters are rejected before parsing.

Extensions (``ext. 123``, ``psw. 12``, ``x12``, ``#12``) are rejected with
``phone_extension_not_supported`` rather than dropped: a dropped extension
would silently send callers to a switchboard. Editors keep the main number and
write the extension in the contact's note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

__all__ = [
    "ADDRESS_CHANNELS",
    "CHANNELS",
    "DEFAULT_SHORT_CODES",
    "EMAIL_CHANNELS",
    "MESSAGES",
    "MOBILE_ONLY_CHANNELS",
    "PHONE_CHANNELS",
    "SOCIAL_PLATFORMS",
    "WEBSITE_CHANNELS",
    "ContactValueError",
    "NormalizedPhone",
    "normalize_contact_value",
    "normalize_email",
    "normalize_handle",
    "normalize_phone",
    "normalize_url",
    "outside_official_domains",
    "profile_url",
]

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

#: Stable error codes and their messages: code -> (Bahasa Indonesia, English).
MESSAGES: dict[str, tuple[str, str]] = {
    "value_required": (
        "Nilai kontak wajib diisi.",
        "A contact value is required.",
    ),
    "channel_unknown": (
        "Saluran kontak tidak dikenal.",
        "Unknown contact channel.",
    ),
    "platform_unknown": (
        "Platform media sosial tidak dikenal.",
        "Unknown social media platform.",
    ),
    "phone_invalid": (
        "Nomor telepon tidak valid. Tulis satu nomor lengkap dengan kode area, "
        "misalnya (021) 3456789 atau 0812-3456-7890.",
        "The phone number is not valid. Enter one complete number including the area "
        "code, e.g. (021) 3456789 or 0812-3456-7890.",
    ),
    "phone_extension_not_supported": (
        "Nomor ekstensi (pesawat) tidak disimpan di sini. Simpan nomor utamanya saja "
        "dan tulis ekstensi di catatan.",
        "Extensions are not stored here. Store the main number and put the extension in the note.",
    ),
    "phone_not_indonesian": (
        "Nomor telepon harus nomor Indonesia (+62).",
        "The phone number must be an Indonesian (+62) number.",
    ),
    "phone_not_mobile": (
        "Saluran ini memerlukan nomor seluler (08xx).",
        "This channel requires a mobile number (08xx).",
    ),
    "short_code_not_allowed": (
        "Nomor layanan singkat ini tidak diizinkan: hanya nomor dalam daftar nomor "
        "resmi, dan hanya untuk saluran telepon suara.",
        "This short code is not allowed: only codes in the official list, and only on "
        "the voice channel.",
    ),
    "email_invalid": (
        "Alamat email tidak valid. Tulis alamatnya saja, misalnya humas@bnpb.go.id.",
        "The email address is not valid. Enter the bare address, e.g. humas@bnpb.go.id.",
    ),
    "url_invalid": (
        "Alamat situs web tidak valid.",
        "The website address is not valid.",
    ),
    "url_not_https": (
        "Alamat situs web harus memakai https://.",
        "The website address must use https://.",
    ),
    "handle_invalid": (
        "Nama akun atau tautan profil media sosial tidak valid untuk platform ini.",
        "The social media handle or profile link is not valid for this platform.",
    ),
}


class ContactValueError(ValueError):
    """A contact value was rejected.

    ``code`` is one of the keys of :data:`MESSAGES` and never changes meaning;
    ``message_id`` and ``message_en`` are the human-readable messages in Bahasa
    Indonesia and English. ``str(error)`` is the English message.
    """

    def __init__(self, code: str) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown contact value error code: {code}")
        self.code = code
        self.message_id, self.message_en = MESSAGES[code]
        super().__init__(self.message_en)

    def __repr__(self) -> str:
        return f"ContactValueError({self.code!r})"


# ---------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------

PHONE_CHANNELS = frozenset({"voice", "mobile", "whatsapp", "sms", "fax"})
MOBILE_ONLY_CHANNELS = frozenset({"mobile", "whatsapp", "sms"})
EMAIL_CHANNELS = frozenset({"email"})
WEBSITE_CHANNELS = frozenset({"website"})
SOCIAL_PLATFORMS = ("x", "instagram", "facebook", "tiktok", "youtube")
ADDRESS_CHANNELS = frozenset({"address"})
CHANNELS = (
    "voice",
    "mobile",
    "whatsapp",
    "sms",
    "fax",
    "email",
    "website",
    *SOCIAL_PLATFORMS,
    "address",
)

# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

#: Official national short codes (nomor layanan singkat) -> description. A
#: default for the allow-list; the directory may extend or narrow it. 1500xxx
#: numbers are call-centre (UAN) numbers, not short codes, and are stored in
#: E.164. 108 (formerly Telkom directory enquiries) is a carrier service, not
#: a government one, and is left out.
DEFAULT_SHORT_CODES: dict[str, str] = {
    "110": "Polisi (Call Center Polri)",
    "112": "Layanan panggilan darurat terpadu (Call Center 112)",
    "113": "Pemadam kebakaran",
    "115": "Basarnas (pencarian dan pertolongan)",
    "117": "BNPB (Call Center penanggulangan bencana)",
    "118": "Ambulans gawat darurat",
    "119": "Layanan kesehatan darurat / ambulans (SPGDT Kemenkes)",
    "123": "PLN (gangguan listrik)",
    "129": "SAPA 129 KemenPPPA (kekerasan terhadap perempuan dan anak, KDRT)",
}


class NormalizedPhone(NamedTuple):
    """A normalised phone number.

    ``value`` is E.164 (``+62…``) when ``kind == "e164"`` and the bare digits
    when ``kind == "short_code"``; ``display`` is the national format for
    Indonesian numbers (international format for foreign ones).
    """

    value: str
    kind: str
    display: str


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
_PHONE_ALLOWED = re.compile(r"^\(?\+?[\d\s().\-]+$")
_EXTENSION = re.compile(
    r"(?:(?<![A-Za-z])(?:ext|extn|extension|psw|pes|pesawat|x)\.?\s*:?\s*\d+|#\s*\d+)\s*$",
    re.IGNORECASE,
)
_IDD_PREFIXES = ("001", "007", "008", "009")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def _clean_text(raw: str) -> str:
    """Return ``raw`` NFC-normalised and trimmed."""
    return unicodedata.normalize("NFC", raw or "").strip()


def _clean_phone_text(raw: str) -> str:
    """Return ``raw`` NFKC-normalised (full-width digits become ASCII), dashes as ``-``, trimmed."""
    return unicodedata.normalize("NFKC", raw or "").translate(_DASHES).strip()


def _phone_candidates(digits: str, has_plus: bool) -> list[str]:
    """Return the readings of a digit string to try, most likely first."""
    if has_plus:
        return ["+" + digits]
    if digits.startswith("00"):
        # The number itself first (Indonesian ITFS toll-free numbers start with
        # 001803/007803), then the international-prefix readings.
        candidates = [digits, "+" + digits[2:]]
        candidates += ["+" + digits[3:] for p in _IDD_PREFIXES if digits.startswith(p)]
        return candidates
    if digits.startswith("62") and len(digits) >= 9:
        return ["+" + digits]
    return [digits]


def _display(number: phonenumbers.PhoneNumber) -> str:
    """Return the way the number is shown to people."""
    if number.country_code != 62:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = str(number.national_number)
    if len(national) == 7 and national.startswith("1500"):
        return f"1500 {national[4:]}"
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


# WhatsApp's click-to-chat links: wa.me/6281…, api.whatsapp.com/send?phone=6281…
_WHATSAPP_LINK = re.compile(
    r"^(?:https?://)?(?:wa\.me/|(?:api|web)\.whatsapp\.com/send/?\?(?:[^#]*&)?phone=)"
    r"\+?(?P<number>\d{6,15})(?:[/?&#].*)?$",
    re.IGNORECASE,
)


def normalize_phone(
    raw: str,
    *,
    channel: str,
    short_codes: Iterable[str],
    allow_foreign: bool = False,
) -> NormalizedPhone:
    """Normalise a phone number written in any common Indonesian spelling.

    Guarantees on return: ``value`` is either a valid E.164 number (``kind
    "e164"``), Indonesian unless ``allow_foreign`` is true, or one of
    ``short_codes`` as bare digits (``kind "short_code"``, ``channel ==
    "voice"`` only); on the mobile-only channels (mobile, whatsapp, sms) the
    number is a mobile number. Otherwise raises :class:`ContactValueError`
    with code ``value_required``, ``channel_unknown``, ``phone_invalid``,
    ``phone_extension_not_supported``, ``phone_not_indonesian``,
    ``phone_not_mobile`` or ``short_code_not_allowed``.

    Accepted spellings: spaces, dashes, dots, parentheses; a leading ``0``,
    ``62``, ``+62``, ``(+62)``, ``+62 (0)`` or ``0062``; on whatsapp, a
    click-to-chat link (``https://wa.me/6281…``). Letters, slashes, commas
    (several numbers in one field) and extensions are rejected.
    """
    if channel not in PHONE_CHANNELS:
        raise ContactValueError("channel_unknown")
    if channel == "whatsapp" and isinstance(raw, str):
        link = _WHATSAPP_LINK.match(raw.strip())
        if link:  # a click-to-chat link names the number in international form
            raw = f"+{link['number']}"
    text = _clean_phone_text(raw)
    if not text:
        raise ContactValueError("value_required")
    if _EXTENSION.search(text):
        raise ContactValueError("phone_extension_not_supported")
    if not _PHONE_ALLOWED.match(text) or text.count("+") > 1:
        raise ContactValueError("phone_invalid")
    has_plus = "+" in text
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise ContactValueError("phone_invalid")

    if not has_plus:
        allowed = {str(code).strip() for code in short_codes}
        if digits in allowed or (3 <= len(digits) <= 5 and digits[0] != "0"):
            if digits not in allowed or channel == "fax":
                raise ContactValueError("short_code_not_allowed")
            if channel in MOBILE_ONLY_CHANNELS:
                raise ContactValueError("phone_not_mobile")
            return NormalizedPhone(digits, "short_code", digits)

    number = None
    first_parsed = None
    for candidate in _phone_candidates(digits, has_plus):
        try:
            parsed = phonenumbers.parse(candidate, "ID")
        except phonenumbers.NumberParseException:
            continue
        if first_parsed is None:
            first_parsed = parsed
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
    if number is None:
        if (
            first_parsed is not None
            and first_parsed.country_code != 62
            and not allow_foreign
            and phonenumbers.region_code_for_country_code(first_parsed.country_code) != "ZZ"
        ):
            raise ContactValueError("phone_not_indonesian")
        raise ContactValueError("phone_invalid")
    if number.extension:
        raise ContactValueError("phone_extension_not_supported")
    if number.country_code != 62 and not allow_foreign:
        raise ContactValueError("phone_not_indonesian")
    if channel in MOBILE_ONLY_CHANNELS and phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ContactValueError("phone_not_mobile")
    return NormalizedPhone(
        phonenumbers.format_number(number, PhoneNumberFormat.E164), "e164", _display(number)
    )


# ---------------------------------------------------------------------------
# Host names, e-mail and URLs
# ---------------------------------------------------------------------------

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*$")


def _normalize_host(host: str) -> str | None:
    """Return ``host`` as a lowercase ASCII (punycode) DNS name, or None.

    The name has at least two labels, each a valid LDH label, and an
    alphabetic (or punycode) top-level label, so IP addresses and single-label
    names such as ``localhost`` are refused.
    """
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > 253:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if not _TLD.match(labels[-1]):
        return None
    return host


def normalize_email(raw: str) -> str:
    """Normalise an e-mail address.

    Guarantees on return: a bare ``local@domain`` address (a leading
    ``mailto:`` is removed; display names, quoted local parts, comments and
    several addresses are refused), with a dot-atom ASCII local part of at
    most 64 characters kept as written, and a lowercase ASCII domain (IDN
    domains as punycode); at most 254 characters. Raises
    :class:`ContactValueError` ``value_required`` or ``email_invalid``.
    """
    text = _clean_text(raw)
    if not text:
        raise ContactValueError("value_required")
    if text[:7].lower() == "mailto:":
        text = text[7:]
    if text.count("@") != 1:
        raise ContactValueError("email_invalid")
    local, domain = text.split("@")
    if len(local) > 64 or not _LOCAL_PART.match(local):
        raise ContactValueError("email_invalid")
    host = _normalize_host(domain) if domain == domain.strip() else None
    if host is None:
        raise ContactValueError("email_invalid")
    address = f"{local}@{host}"
    if len(address) > 254:
        raise ContactValueError("email_invalid")
    return address


_URL_FORBIDDEN = re.compile(r"[\s\\<>\"{}|^`\x00-\x1f\x7f]")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def _split_url(text: str):
    """Return ``urlsplit`` of ``text``, adding ``https://`` when no scheme is given."""
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text:
        text = "https://" + text
    return urlsplit(text)


def normalize_url(raw: str, *, require_https: bool = True) -> str:
    """Normalise a website address.

    Guarantees on return: an absolute ``https`` URL (``http`` too when
    ``require_https`` is false) with lowercase scheme and host (IDN hosts as
    punycode), a DNS host name (no IP address, no ``localhost``), no user name
    or password, no fragment, no default port, a path of at least ``/`` and
    non-ASCII path/query characters percent-encoded. A value without a scheme
    is read as ``https://``. Raises :class:`ContactValueError`
    ``value_required``, ``url_invalid`` or ``url_not_https``.
    """
    text = _clean_text(raw)
    if not text:
        raise ContactValueError("value_required")
    if _URL_FORBIDDEN.search(text):
        raise ContactValueError("url_invalid")
    try:
        parts = _split_url(text)
        port = parts.port
    except ValueError:
        raise ContactValueError("url_invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ContactValueError("url_invalid")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ContactValueError("url_invalid")
    host = _normalize_host(parts.hostname or "")
    if host is None:
        raise ContactValueError("url_invalid")
    if require_https and scheme != "https":
        raise ContactValueError("url_not_https")
    netloc = host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{host}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _host_of(value: str) -> str:
    """Return the normalised host of a website URL or the domain of an e-mail address."""
    text = _clean_text(value)
    if "@" in text and "://" not in text and "/" not in text:
        return normalize_email(text).rsplit("@", 1)[1]
    url = normalize_url(text, require_https=False)
    return urlsplit(url).hostname or ""


def _official_domain(domain: str) -> str | None:
    """Return an official domain entry as a bare host without ``www.``, or None."""
    text = _clean_text(domain)
    if not text:
        return None
    if "://" in text or "/" in text:
        text = _split_url(text).hostname or ""
    host = _normalize_host(text)
    if host and host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    return host


def outside_official_domains(value: str, official_domains: Iterable[str]) -> bool:
    """Tell whether a website URL or e-mail address lies outside the official domains.

    Returns True when the value's host is neither one of ``official_domains``
    nor a subdomain of one (so with no official domains every value is
    outside). Official domains may be given as host names or URLs; a leading
    ``www.`` on them is ignored, so ``www.bnpb.go.id`` and ``bnpb.go.id``
    cover the same names. Raises :class:`ContactValueError` when ``value`` is
    neither a valid URL nor a valid e-mail address.
    """
    host = _host_of(value)
    for domain in official_domains:
        official = _official_domain(domain)
        if official and (host == official or host.endswith("." + official)):
            return False
    return True


# ---------------------------------------------------------------------------
# Social media handles
# ---------------------------------------------------------------------------

_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.", "mbasic.")
_PLATFORM_HOSTS = {
    "x": {"x.com", "twitter.com"},
    "instagram": {"instagram.com", "instagr.am"},
    "facebook": {"facebook.com", "fb.com"},
    "tiktok": {"tiktok.com"},
    "youtube": {"youtube.com"},
}
_HANDLE_PATTERNS = {
    "x": re.compile(r"^[A-Za-z0-9_]{1,15}$"),
    "instagram": re.compile(r"^(?!\.)(?!.*\.\.)[a-z0-9._]{1,30}(?<!\.)$"),
    "facebook": re.compile(r"^(?:[A-Za-z0-9.]{5,50}|\d{5,20})$"),
    "tiktok": re.compile(r"^[a-z0-9._]{2,24}(?<!\.)$"),
    "youtube": re.compile(r"^[A-Za-z0-9._-]{3,30}$"),
}
_YOUTUBE_CHANNEL = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_YOUTUBE_LEGACY = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_YOUTUBE_TABS = frozenset(
    {"featured", "videos", "shorts", "streams", "live", "playlists", "community", "about"}
)
_RESERVED = {
    "x": frozenset(
        {
            "home",
            "explore",
            "search",
            "i",
            "intent",
            "share",
            "hashtag",
            "settings",
            "notifications",
            "messages",
            "login",
            "signup",
            "tos",
            "privacy",
        }
    ),
    "instagram": frozenset(
        {
            "p",
            "reel",
            "reels",
            "tv",
            "explore",
            "stories",
            "accounts",
            "direct",
            "about",
            "developer",
            "legal",
        }
    ),
    "facebook": frozenset(
        {
            "groups",
            "events",
            "watch",
            "share",
            "sharer",
            "sharer.php",
            "photo.php",
            "story.php",
            "permalink.php",
            "login",
            "marketplace",
            "gaming",
            "hashtag",
            "help",
            "settings",
            "pages",
            "people",
            "profile.php",
        }
    ),
    "tiktok": frozenset(),
    "youtube": frozenset(
        {"watch", "results", "feed", "playlist", "shorts", "channel", "user", "c"}
    ),
}
_FACEBOOK_SLUG_ID = re.compile(r"^.+-(\d{5,20})$")


_ALL_PLATFORM_HOSTS = frozenset().union(*_PLATFORM_HOSTS.values())


def _strip_host_prefix(host: str) -> str:
    """Return ``host`` without a leading ``www.``, ``m.``, ``mobile.``, ``web.`` or ``mbasic.``."""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def _is_url_like(text: str) -> bool:
    """Tell whether a handle field holds a link rather than a bare name.

    Dots alone do not make a link (``bnpb.indonesia`` is a valid Facebook or
    Instagram name); a slash, a scheme or a bare platform host name does.
    """
    if "/" in text or "://" in text:
        return True
    return _strip_host_prefix(text.lower().split("?", 1)[0]) in _ALL_PLATFORM_HOSTS


def _handle_from_url(text: str, platform: str) -> str:
    """Return the canonical handle named by a profile URL of ``platform``."""
    try:
        parts = _split_url(text)
        port = parts.port
    except ValueError:
        raise ContactValueError("handle_invalid") from None
    host = _strip_host_prefix((parts.hostname or "").lower())
    if parts.scheme.lower() not in ("http", "https") or host not in _PLATFORM_HOSTS[platform]:
        raise ContactValueError("handle_invalid")
    if parts.username or parts.password or port not in (None, 80, 443):
        raise ContactValueError("handle_invalid")
    segments = [s for s in parts.path.split("/") if s]

    if platform == "facebook":
        if segments == ["profile.php"]:
            ids = parse_qs(parts.query).get("id", [])
            return _check_handle(ids[0] if len(ids) == 1 else "", platform)
        if len(segments) == 3 and segments[0] in ("pages", "people"):
            return _check_handle(segments[2], platform)
        if len(segments) == 2 and segments[0] == "p":
            match = _FACEBOOK_SLUG_ID.match(segments[1])
            return _check_handle(match.group(1) if match else "", platform)
    if platform == "youtube":
        if segments and segments[-1] in _YOUTUBE_TABS and len(segments) > 1:
            segments = segments[:-1]
        if len(segments) == 2 and segments[0] == "channel":
            if not _YOUTUBE_CHANNEL.match(segments[1]):
                raise ContactValueError("handle_invalid")
            return f"channel/{segments[1]}"
        if len(segments) == 2 and segments[0] in ("c", "user"):
            if not _YOUTUBE_LEGACY.match(segments[1]):
                raise ContactValueError("handle_invalid")
            return f"{segments[0]}/{segments[1]}"
        if len(segments) == 1 and segments[0].startswith("@"):
            return _check_handle(segments[0][1:], platform)
        raise ContactValueError("handle_invalid")
    if platform == "tiktok":
        if len(segments) == 1 and segments[0].startswith("@"):
            return _check_handle(segments[0][1:], platform)
        raise ContactValueError("handle_invalid")
    if len(segments) != 1:
        raise ContactValueError("handle_invalid")
    name = segments[0]
    if platform == "x" and name.startswith("@"):
        name = name[1:]
    return _check_handle(name, platform)


def _check_handle(name: str, platform: str) -> str:
    """Return ``name`` in canonical case if it is a valid handle of ``platform``."""
    if platform in ("instagram", "tiktok"):
        name = name.lower()
    if not _HANDLE_PATTERNS[platform].match(name):
        raise ContactValueError("handle_invalid")
    if name.lower() in _RESERVED[platform]:
        raise ContactValueError("handle_invalid")
    return name


def normalize_handle(raw: str, platform: str) -> str:
    """Normalise a social media account given as ``@name``, ``name`` or a profile URL.

    Guarantees on return a canonical handle without ``@`` that
    :func:`profile_url` turns into the account's profile URL:

    * x: 1-15 of ``A-Z a-z 0-9 _`` (case kept); x.com and twitter.com links;
    * instagram: 1-30 of ``a-z 0-9 . _``, lowercased, no leading, trailing or
      double dot;
    * facebook: a username of 5-50 of ``A-Z a-z 0-9 .`` (case kept) or a
      numeric page/profile id (from ``profile.php?id=``, ``/pages/…/ID``,
      ``/people/…/ID`` or ``/p/Name-ID`` links);
    * tiktok: 2-24 of ``a-z 0-9 . _``, lowercased, no trailing dot; links must
      be ``tiktok.com/@name`` (short ``vt.tiktok.com`` links are refused);
    * youtube: a handle of 3-30 of ``A-Z a-z 0-9 . _ -`` (case kept) for
      ``youtube.com/@name``, or ``c/NAME``, ``user/NAME`` or
      ``channel/UC…`` for the older link forms.

    Links to posts, videos or other pages than a profile are refused. Raises
    :class:`ContactValueError` ``value_required``, ``platform_unknown`` or
    ``handle_invalid``.
    """
    if platform not in _HANDLE_PATTERNS:
        raise ContactValueError("platform_unknown")
    text = _clean_text(raw)
    if not text:
        raise ContactValueError("value_required")
    if _is_url_like(text):
        return _handle_from_url(text, platform)
    if text.startswith("@"):
        text = text[1:]
    return _check_handle(text, platform)


def profile_url(handle: str, platform: str) -> str:
    """Return the https profile URL of a canonical handle of ``platform``.

    Raises :class:`ContactValueError` when ``handle`` is not the canonical
    form :func:`normalize_handle` returns.
    """
    if platform not in _HANDLE_PATTERNS:
        raise ContactValueError("platform_unknown")
    if "/" in handle:
        if (
            platform != "youtube"
            or normalize_handle(f"https://www.youtube.com/{handle}", platform) != handle
        ):
            raise ContactValueError("handle_invalid")
        return f"https://www.youtube.com/{handle}"
    if normalize_handle(handle, platform) != handle:
        raise ContactValueError("handle_invalid")
    if platform == "x":
        return f"https://x.com/{handle}"
    if platform == "instagram":
        return f"https://www.instagram.com/{handle}/"
    if platform == "facebook":
        if handle.isdigit():
            return f"https://www.facebook.com/profile.php?id={handle}"
        return f"https://www.facebook.com/{handle}"
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{handle}"
    return f"https://www.youtube.com/@{handle}"


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def normalize_contact_value(
    channel: str,
    raw: str,
    *,
    short_codes: Iterable[str],
    official_domains: Iterable[str] = (),
    allow_foreign: bool = False,
) -> tuple[str, list[str]]:
    """Normalise ``raw`` for ``channel`` and collect warnings.

    Returns ``(normalized, warnings)``: ``normalized`` is the canonical string
    (E.164 or short-code digits for phone channels, the address for email,
    the URL for website, the canonical handle for social platforms, the
    trimmed and whitespace-collapsed text for address). ``warnings`` holds
    ``"outside_official_domain"`` for an email or website whose host is not
    under one of ``official_domains`` (only checked when some are given) and
    ``"foreign_number"`` for an accepted non-Indonesian phone number. Raises
    :class:`ContactValueError` as the per-channel functions do, and
    ``channel_unknown`` for any other channel.
    """
    warnings: list[str] = []
    if channel in PHONE_CHANNELS:
        phone = normalize_phone(
            raw, channel=channel, short_codes=short_codes, allow_foreign=allow_foreign
        )
        if phone.kind == "e164" and not phone.value.startswith("+62"):
            warnings.append("foreign_number")
        return phone.value, warnings
    if channel in EMAIL_CHANNELS or channel in WEBSITE_CHANNELS:
        if channel in EMAIL_CHANNELS:
            value = normalize_email(raw)
        else:
            value = normalize_url(raw, require_https=True)
        domains = [d for d in official_domains if d]
        if domains and outside_official_domains(value, domains):
            warnings.append("outside_official_domain")
        return value, warnings
    if channel in SOCIAL_PLATFORMS:
        return normalize_handle(raw, channel), warnings
    if channel in ADDRESS_CHANNELS:
        value = " ".join(_clean_text(raw).split())
        if not value:
            raise ContactValueError("value_required")
        return value, warnings
    raise ContactValueError("channel_unknown")
