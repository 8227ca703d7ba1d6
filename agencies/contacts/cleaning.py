"""Input checks of the contact directory: raw caller data in, model-ready values or FieldErrors out.

Shared by the write services and the bulk import, so a value the API refuses is
refused by the import with the same code, and the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from agencies.contact_values import (
    CHANNELS,
    PHONE_CHANNELS,
    SOCIAL_PLATFORMS,
    ContactValueError,
    normalize_contact_value,
    normalize_phone,
    normalize_url,
)
from agencies.contacts.models import ContactPoint, Office, Person, Post
from agencies.models import Agency, Region
from hub.dates import INVALID_DATE, INVALID_DATETIME, YEARS, parse_date, parse_datetime
from hub.errors import FieldError, find_nul, nul_character

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)"
_DAYS = rf"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
_SPANS = rf"{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*"
_RULE = rf"(?:{_DAYS}\s+)?(?:{_SPANS}|off|closed)"
OPENING_HOURS = re.compile(rf"^(?:24/7|{_RULE}(?:\s*;\s*{_RULE})*)$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
POSTAL_CODE = re.compile(r"^[1-9]\d{4}$")

#: Messages of the warnings a write may return alongside its result (not errors).
WARNINGS: dict[str, tuple[str, str]] = {
    "outside_official_domain": (
        "Alamat ini berada di luar domain resmi instansi.",
        "This address is outside the agency's official domains.",
    ),
    "foreign_number": ("Nomor ini bukan nomor Indonesia.", "This is not an Indonesian number."),
}

CONTACT_FIELDS = {
    "external_id",
    "office",
    "post",
    "person",
    "channel",
    "value",
    "purpose",
    "label",
    "availability",
    "languages",
    "visibility",
    "is_personal",
    "legal_basis",
    "personal_purpose",
    "valid_from",
    "valid_through",
    "source_url",
    "note",
    "last_verified_at",
}
OFFICE_FIELDS = {
    "external_id",
    "name",
    "address",
    "postal_code",
    "region",
    "latitude",
    "longitude",
    "opening_hours",
}
POST_FIELDS = {"external_id", "label", "role", "office", "holder", "start_date", "end_date"}
PERSON_FIELDS = {"name", "honorific", "photo_asset", "consent", "consent_note"}


def error(field: str, code: str, message_id: str, message_en: str) -> FieldError:
    return FieldError(field, code, message_id, message_en)


def warning_messages(codes: Iterable[str], lang: str = "id") -> list[dict[str, str]]:
    """The stored warning codes with their message in `lang`."""
    out = []
    for code in codes:
        message_id, message_en = WARNINGS.get(code, (code, code))
        out.append({"code": code, "message": message_en if lang == "en" else message_id})
    return out


class Checker:
    """Collects FieldErrors while reading one input object."""

    def __init__(self, data: Any, allowed: set[str], refs: dict | None = None) -> None:
        self.errors: list[FieldError] = []
        # Preloaded {model: {pk: row}} of the agency, so a bulk import does not query per row.
        self.refs = refs
        if not isinstance(data, dict):
            self.errors.append(
                error("", "invalid_type", "Data harus berupa objek.", "Must be an object.")
            )
            data = {}
        for name in sorted(set(data) - allowed):
            self.errors.append(
                error(name, "unknown_field", "Kolom tidak dikenal.", "Unknown field.")
            )
        # Text no column can store (an imported cell, a GraphQL literal) fails here, by name.
        refused = sorted(name for name in data if find_nul({name: data[name]}) is not None)
        self.errors += [nul_character(name).errors[0] for name in refused]
        self.data = {name: value for name, value in data.items() if name not in refused}

    def has(self, name: str) -> bool:
        return name in self.data

    def failed(self, name: str) -> bool:
        return any(item.field == name for item in self.errors)

    def add(self, name: str, code: str, message_id: str, message_en: str) -> None:
        self.errors.append(error(name, code, message_id, message_en))

    def text(self, name: str, limit: int, *, required: bool = False) -> str | None:
        raw = self.data.get(name)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.add(name, "invalid_type", "Harus berupa teks.", "Must be text.")
            return None
        value = raw.strip()
        if required and not value:
            self.add(name, "required", "Wajib diisi.", "This field is required.")
            return None
        if len(value) > limit:
            self.add(
                name,
                "too_long",
                f"Terlalu panjang (maks. {limit} karakter).",
                f"Too long (at most {limit} characters).",
            )
            return None
        return value

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False) -> str | None:
        raw = self.data.get(name)
        allowed = list(choices)
        if raw in (None, "") and not required:
            return None
        if raw not in allowed:
            self.add(
                name,
                "invalid_choice",
                "Pilihan tidak dikenal. Pilihan: " + ", ".join(allowed),
                "Unknown choice. Choose from: " + ", ".join(allowed),
            )
            return None
        return raw

    def boolean(self, name: str) -> bool | None:
        raw = self.data.get(name)
        if isinstance(raw, bool):
            return raw
        self.add(name, "invalid_type", "Harus true atau false.", "Must be true or false.")
        return None

    def date(self, name: str) -> date | None:
        raw = self.data.get(name)
        if raw in (None, ""):
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        parsed = parse_date(raw) if isinstance(raw, str) else None
        if parsed is None:
            self.add(
                name,
                "invalid_date",
                *INVALID_DATE,
            )
        return parsed

    def moment(self, name: str) -> datetime | None:
        raw = self.data.get(name)
        if raw in (None, ""):
            return None
        parsed: datetime | None = None
        if isinstance(raw, datetime):
            parsed = raw if raw.year in YEARS else None
        elif isinstance(raw, str):
            parsed = parse_datetime(raw)
            day = parse_date(raw) if parsed is None else None
            if day is not None:
                parsed = datetime(day.year, day.month, day.day)
        if parsed is None:
            self.add(
                name,
                "invalid_datetime",
                *INVALID_DATETIME,
            )
            return None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if parsed > timezone.now():
            self.add(name, "in_future", "Tidak boleh di masa depan.", "Must not be in the future.")
            return None
        return parsed

    def external_id(self) -> str | None:
        value = self.text("external_id", 100)
        if value and not EXTERNAL_ID.match(value):
            self.add(
                "external_id",
                "invalid_external_id",
                "ID eksternal hanya boleh huruf, angka dan . _ : / -",
                "An external id may only contain letters, digits and . _ : / -",
            )
            return None
        return value

    def hours(self, name: str) -> str | None:
        value = self.text(name, 255)
        if value and not OPENING_HOURS.match(value):
            self.add(
                name,
                "opening_hours_invalid",
                "Jam layanan tidak valid. Contoh: 24/7 atau Mo-Fr 08:00-16:00; Sa 08:00-12:00",
                "Invalid opening hours. E.g. 24/7 or Mo-Fr 08:00-16:00; Sa 08:00-12:00",
            )
            return None
        return value

    def reference(self, name: str, model, agency: Agency, code: str):
        """The agency's `model` row with the id in `name`, None when empty, else an error."""
        raw = self.data.get(name)
        if raw in (None, ""):
            return None
        row = None
        if (isinstance(raw, int) and not isinstance(raw, bool)) or (
            isinstance(raw, str) and raw.isdigit()
        ):
            if self.refs is not None:
                row = self.refs.get(model, {}).get(int(raw))
            else:
                row = model.objects.filter(pk=int(raw), agency_id=agency.pk).first()
        if row is None:
            self.add(
                name,
                code,
                "Tidak ada di instansi ini.",
                "No such record in this agency.",
            )
        return row


# ---------------------------------------------------------------------------
# Offices, posts, persons
# ---------------------------------------------------------------------------


def clean_office(data: Any, agency: Agency, instance: Office | None) -> tuple[dict, list]:
    """Model-ready office values from `data` (all fields on create, the given ones on update)."""
    c = Checker(data, OFFICE_FIELDS)
    values: dict[str, Any] = {}
    creating = instance is None
    if creating or c.has("external_id"):
        values["external_id"] = c.external_id() or ""
    for name, limit in (("name", 200), ("address", 1000)):
        if creating or c.has(name):
            values[name] = c.text(name, limit, required=True)
    if c.has("postal_code"):
        code = c.text("postal_code", 5) or ""
        if code and not POSTAL_CODE.match(code):
            c.add("postal_code", "invalid_postal_code", "Kode pos 5 angka.", "Five-digit code.")
        values["postal_code"] = code
    if creating or c.has("region"):
        code = c.data.get("region")
        region = Region.objects.filter(code=str(code)).first() if code else None
        if region is None:
            c.add(
                "region",
                "unknown_region",
                "Kode wilayah tidak dikenal.",
                f"Unknown region code {code!r}.",
            )
        values["region"] = region
    if creating or c.has("latitude") or c.has("longitude"):
        coords = {}
        for name, bound in (("latitude", 90), ("longitude", 180)):
            raw = c.data.get(name, getattr(instance, name, None))
            if raw in (None, ""):
                coords[name] = None
                continue
            try:
                number = Decimal(str(raw)).quantize(Decimal("0.000001"))
            except InvalidOperation:
                number = None
            if number is None or isinstance(raw, bool) or not -bound <= number <= bound:
                c.add(name, "invalid_coordinate", "Koordinat tidak valid.", "Invalid coordinate.")
            coords[name] = number
        if (coords["latitude"] is None) != (coords["longitude"] is None):
            c.add(
                "latitude",
                "coordinates_incomplete",
                "Isi lintang dan bujur sekaligus.",
                "Give both latitude and longitude.",
            )
        values.update(coords)
    if creating or c.has("opening_hours"):
        values["opening_hours"] = c.hours("opening_hours") or ""
    return values, c.errors


def clean_person(data: Any, instance: Person | None, actor: str) -> tuple[dict, list]:
    """Model-ready person values. ``consent: true`` records consent now, by `actor`."""
    c = Checker(data, PERSON_FIELDS)
    values: dict[str, Any] = {}
    creating = instance is None
    if creating or c.has("name"):
        values["name"] = c.text("name", 200, required=True)
    for name, limit in (("honorific", 100), ("photo_asset", 64), ("consent_note", 500)):
        if c.has(name):
            values[name] = c.text(name, limit) or ""
    if c.has("consent"):
        given = c.boolean("consent")
        if given is True and (instance is None or instance.consent_at is None):
            values["consent_at"] = timezone.now()
            values["consent_recorded_by"] = actor
        elif given is False:
            values["consent_at"] = None
            values["consent_recorded_by"] = actor
    return values, c.errors


def clean_post(data: Any, agency: Agency, instance: Post | None) -> tuple[dict, list]:
    """Model-ready post values; office and holder must belong to the same agency."""
    c = Checker(data, POST_FIELDS)
    values: dict[str, Any] = {}
    creating = instance is None
    if creating or c.has("external_id"):
        values["external_id"] = c.external_id() or ""
    if creating or c.has("label"):
        values["label"] = c.text("label", 200, required=True)
    if creating or c.has("role"):
        values["role"] = c.choice("role", Post.Role.values, required=True)
    if c.has("office"):
        values["office"] = c.reference("office", Office, agency, "unknown_office")
    if c.has("holder"):
        values["holder"] = c.reference("holder", Person, agency, "unknown_person")
    for name in ("start_date", "end_date"):
        if c.has(name):
            values[name] = c.date(name)
    start = values.get("start_date", getattr(instance, "start_date", None))
    end = values.get("end_date", getattr(instance, "end_date", None))
    if start and end and end < start:
        c.add("end_date", "dates_reversed", "Berakhir sebelum dimulai.", "Ends before it starts.")
    return values, c.errors


# ---------------------------------------------------------------------------
# Contact points
# ---------------------------------------------------------------------------


def _value_error(exc: ContactValueError) -> FieldError:
    return error("value", exc.code, exc.message_id, exc.message_en)


def normalize(
    channel: str, raw: str, *, short_codes: Iterable[str], official_domains: Iterable[str]
) -> tuple[str, str, list[str]]:
    """(normalized, display, warnings) of a contact value; raises ContactValueError."""
    normalized, warnings = normalize_contact_value(
        channel, raw, short_codes=short_codes, official_domains=official_domains
    )
    display = normalized
    if channel in PHONE_CHANNELS:
        display = normalize_phone(raw, channel=channel, short_codes=short_codes).display
    elif channel in SOCIAL_PLATFORMS:
        display = normalized if "/" in normalized else f"@{normalized}"
    return normalized, display, warnings


def clean_contact(
    data: Any,
    agency: Agency,
    instance: ContactPoint | None,
    *,
    short_codes: Iterable[str],
    refs: dict | None = None,
) -> tuple[dict, list]:
    """Model-ready contact values, with every problem as a FieldError.

    Guarantees on success: the value is normalised for its channel (phone short
    codes only from `short_codes`); office, post and person belong to `agency`
    and at most one of office/post is set; a personal contact names its person
    (or its post's holder), a legal basis and a purpose, and is not public
    unless that person's consent is recorded; validity dates are ordered.
    """
    c = Checker(data, CONTACT_FIELDS, refs)
    values: dict[str, Any] = {}
    creating = instance is None

    def current(name: str, default: Any = None) -> Any:
        return values[name] if name in values else getattr(instance, name, default)

    if creating or c.has("external_id"):
        values["external_id"] = c.external_id() or ""
    if creating or c.has("channel"):
        values["channel"] = c.choice("channel", CHANNELS, required=True)
    if creating or c.has("value"):
        values["value"] = c.text("value", 500)
        if values["value"] == "":
            # The same code contact_values gives for a blank value.
            c.errors.append(_value_error(ContactValueError("value_required")))
    channel, raw = current("channel"), current("value")
    if channel and raw and ("channel" in values or "value" in values):
        try:
            normalized, display, warnings = normalize(
                channel,
                raw,
                short_codes=short_codes,
                official_domains=agency.official_domains,
            )
        except ContactValueError as exc:
            c.errors.append(_value_error(exc))
        else:
            values.update(normalized=normalized, display=display, warnings=warnings)
    if creating or c.has("purpose"):
        values["purpose"] = (
            c.choice("purpose", ContactPoint.Purpose.values) or ContactPoint.Purpose.GENERAL
        )
    if creating or c.has("visibility"):
        values["visibility"] = (
            c.choice("visibility", ContactPoint.Visibility.values) or ContactPoint.Visibility.PUBLIC
        )
    for name, limit in (("label", 200), ("note", 500)):
        if creating or c.has(name):
            values[name] = c.text(name, limit) or ""
    if creating or c.has("availability"):
        values["availability"] = c.hours("availability") or ""
    if creating or c.has("languages"):
        languages = c.data.get("languages", ["id"])
        if languages in (None, ""):
            languages = []
        if (
            not isinstance(languages, list)
            or len(languages) > 10
            or not all(isinstance(tag, str) and LANGUAGE_TAG.match(tag) for tag in languages)
        ):
            c.add(
                "languages",
                "invalid_language",
                "Harus daftar kode bahasa BCP 47, misalnya id, en, jv.",
                "Must be a list of BCP 47 language tags, e.g. id, en, jv.",
            )
        else:
            values["languages"] = list(dict.fromkeys(languages))
    if c.has("source_url"):
        raw_url = c.text("source_url", 500) or ""
        try:
            values["source_url"] = normalize_url(raw_url, require_https=False) if raw_url else ""
        except ContactValueError as exc:
            c.add("source_url", exc.code, exc.message_id, exc.message_en)
    for name in ("valid_from", "valid_through"):
        if c.has(name):
            values[name] = c.date(name)
    start, end = current("valid_from"), current("valid_through")
    if start and end and end < start:
        c.add(
            "valid_through",
            "dates_reversed",
            "Berakhir sebelum mulai berlaku.",
            "Ends before it starts.",
        )
    if c.has("last_verified_at"):
        moment = c.moment("last_verified_at")
        if moment is not None:
            values["last_verified_at"] = moment

    if c.has("office"):
        values["office"] = c.reference("office", Office, agency, "unknown_office")
    if c.has("post"):
        values["post"] = c.reference("post", Post, agency, "unknown_post")
    if current("office") is not None and current("post") is not None:
        c.add(
            "post",
            "one_owner",
            "Kontak melekat pada kantor atau jabatan, tidak keduanya.",
            "A contact belongs to an office or a post, not both.",
        )

    _clean_personal(c, agency, values, current)
    return values, c.errors


def _clean_personal(c: Checker, agency: Agency, values: dict, current) -> None:
    if c.has("is_personal"):
        values["is_personal"] = c.boolean("is_personal")
    elif "is_personal" not in values and current("is_personal") is None:
        values["is_personal"] = False
    if c.has("person"):
        values["person"] = c.reference("person", Person, agency, "unknown_person")
    if c.has("legal_basis"):
        values["legal_basis"] = c.choice("legal_basis", ContactPoint.LegalBasis.values) or ""
    if c.has("personal_purpose"):
        values["personal_purpose"] = c.text("personal_purpose", 300) or ""

    if not current("is_personal"):
        if values.get("person") is not None:
            c.add(
                "person",
                "person_only_for_personal",
                "Orang hanya dicatat pada kontak pribadi; kontak resmi melekat pada jabatan.",
                "Only personal contacts name a person; official ones belong to the post.",
            )
        values.update(person=None, legal_basis="", personal_purpose="")
        return
    person = current("person")
    if person is None and current("post") is not None:
        person = current("post").holder
        values["person"] = person
    if person is None and not c.failed("person"):
        c.add(
            "person",
            "required",
            "Kontak pribadi harus menyebut pemiliknya.",
            "A personal contact must name whose it is.",
        )
    if not current("legal_basis") and not c.failed("legal_basis"):
        c.add(
            "legal_basis",
            "required",
            "Kontak pribadi memerlukan dasar pemrosesan (UU PDP Pasal 20).",
            "A personal contact needs a legal basis (UU PDP art. 20).",
        )
    if not current("personal_purpose") and not c.failed("personal_purpose"):
        c.add(
            "personal_purpose",
            "required",
            "Sebutkan tujuan pemrosesan data pribadi ini.",
            "State the purpose of processing this personal data.",
        )
    public = current("visibility") == ContactPoint.Visibility.PUBLIC
    if public and person is not None and person.consent_at is None:
        c.add(
            "visibility",
            "consent_required",
            "Nomor pribadi tidak boleh publik tanpa persetujuan pemiliknya.",
            "A personal number cannot be public without its owner's consent.",
        )
