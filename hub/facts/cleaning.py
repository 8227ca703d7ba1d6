"""Input cleaning for the facts services: every problem becomes a FieldError, all at once.

The services call these before writing anything; a :class:`Cleaner` collects
every problem of one input so a caller learns about all of them in one answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agencies.models import Region
from hub.dates import parse_datetime
from hub.errors import FieldError, ValidationFailed

BCP47_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MISSING = object()


def field_error(field: str, code: str, message_id: str, message_en: str) -> FieldError:
    return FieldError(field, code, message_id, message_en)


def required(field: str) -> FieldError:
    return field_error(field, "required", "Wajib diisi.", "This field is required.")


class Cleaner:
    """Cleans one input object against the fields a service accepts.

    ``partial`` cleaners (edits) only look at the fields present; full ones
    (creation) also report missing required fields.
    """

    def __init__(self, data: Any, allowed: Iterable[str], *, partial: bool = False):
        self.partial = partial
        self.errors: list[FieldError] = []
        self.values: dict[str, Any] = {}
        if not isinstance(data, dict):
            self.data: dict[str, Any] = {}
            self.errors.append(
                field_error("", "invalid_type", "Harus berupa objek.", "Must be an object.")
            )
            return
        self.data = data
        for name in sorted(set(data) - set(allowed)):
            self.errors.append(
                field_error(name, "unknown_field", "Kolom tidak dikenal.", "Unknown field.")
            )

    def error(self, field: str, code: str, message_id: str, message_en: str) -> None:
        self.errors.append(field_error(field, code, message_id, message_en))

    def raw(self, name: str, *, needed: bool = False) -> Any:
        """The raw value of `name`, or MISSING (reporting it when `needed` on creation)."""
        if name in self.data:
            return self.data[name]
        if needed and not self.partial:
            self.errors.append(required(name))
        return MISSING

    def text(
        self,
        name: str,
        *,
        max_length: int,
        needed: bool = False,
        blank: bool = True,
        default: str | None = None,
    ) -> None:
        value = self.raw(name, needed=needed)
        if value is MISSING:
            if default is not None and not self.partial:
                self.values[name] = default
            return
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(name, "invalid_type", "Harus berupa teks.", "Must be text.")
        elif not value.strip() and (needed or not blank):
            self.errors.append(required(name))
        elif len(value.strip()) > max_length:
            self.error(
                name,
                "too_long",
                f"Paling banyak {max_length} karakter.",
                f"At most {max_length} characters.",
            )
        else:
            self.values[name] = value.strip()

    def choice(
        self, name: str, choices: Iterable[str], *, needed: bool = False, default: Any = MISSING
    ) -> None:
        value = self.raw(name, needed=needed)
        if value is MISSING:
            if default is not MISSING and not self.partial:
                self.values[name] = default
            return
        options = list(choices)
        if value not in options:
            self.error(
                name,
                "invalid_choice",
                "Pilihan tidak dikenal. Pilihan: " + ", ".join(map(str, options)),
                "Unknown choice. Choose from: " + ", ".join(map(str, options)),
            )
        else:
            self.values[name] = value

    def choices(self, name: str, choices: Iterable[str], *, needed: bool = False) -> None:
        value = self.raw(name, needed=needed)
        if value is MISSING:
            return
        options = list(choices)
        if not isinstance(value, list) or any(item not in options for item in value):
            self.error(
                name,
                "invalid_choice",
                "Pilihan tidak dikenal. Pilihan: " + ", ".join(options),
                "Unknown choice. Choose from: " + ", ".join(options),
            )
        elif needed and not value:
            self.errors.append(required(name))
        else:
            self.values[name] = list(dict.fromkeys(value))

    def boolean(self, name: str) -> None:
        value = self.raw(name)
        if value is MISSING:
            return
        if not isinstance(value, bool):
            self.error(name, "invalid_type", "Harus true atau false.", "Must be true or false.")
        else:
            self.values[name] = value

    def moment(self, name: str, *, needed: bool = False) -> None:
        value = self.raw(name, needed=needed)
        if value is MISSING:
            return
        if value in (None, ""):
            self.values[name] = None
            return
        parsed = parse_moment(value)
        if parsed is None:
            self.error(
                name,
                "invalid_datetime",
                "Format tanggal-waktu tidak valid (ISO 8601 dengan zona waktu).",
                "Not an ISO 8601 date-time with a time zone.",
            )
        else:
            self.values[name] = parsed

    def language(self, name: str, *, default: str | None = None) -> None:
        value = self.raw(name)
        if value is MISSING:
            if default is not None and not self.partial:
                self.values[name] = default
            return
        if not isinstance(value, str) or not BCP47_RE.match(value) or len(value) > 35:
            self.error(
                name,
                "invalid_language",
                "Kode bahasa BCP 47 tidak valid (mis. id, id-ID, en).",
                "Not a BCP 47 language tag (e.g. id, id-ID, en).",
            )
        else:
            self.values[name] = value

    def url(self, name: str, *, needed: bool = False) -> None:
        value = self.raw(name, needed=needed)
        if value is MISSING:
            return
        if value in (None, "") and not needed:
            self.values[name] = ""
        elif not valid_url(value):
            self.error(name, "invalid_url", "URL tidak valid.", "Not a valid http(s) URL.")
        else:
            self.values[name] = value

    def regions(self, name: str) -> None:
        value = self.raw(name)
        if value is MISSING:
            return
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            self.error(
                name, "invalid_type", "Harus daftar kode wilayah.", "Must be a list of codes."
            )
            return
        codes = list(dict.fromkeys(code.strip() for code in value))
        known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            self.error(
                name,
                "unknown_region",
                "Kode wilayah tidak dikenal: " + ", ".join(unknown),
                "Unknown region codes: " + ", ".join(unknown),
            )
        else:
            self.values[name] = codes

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise ValidationFailed(errors=self.errors)
        return self.values


def valid_url(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 2000 and bool(URL_RE.match(value))


def parse_moment(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (or datetime); None when not one."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = parse_datetime(value.strip())
    else:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def region_scope(codes: Iterable[str]) -> list[str]:
    """The codes and all their ancestors: what a region filter matches against."""
    scope: dict[str, None] = {}
    for code in codes:
        for ancestor in Region.ancestor_codes(code):
            scope[ancestor] = None
        scope[code] = None
    return list(scope)
