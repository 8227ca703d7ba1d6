"""The hub's one error vocabulary.

Every failure a caller can see is a :class:`HubError` with an HTTP status, a
stable machine ``code`` and a message in Bahasa Indonesia and English. REST
renders it as RFC 9457 ``application/problem+json``; GraphQL mutations return
the same codes as typed ``errors``. Codes are part of the public contract:
never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    code: str
    message_id: str
    message_en: str

    def as_dict(self, lang: str = "id") -> dict:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message_en if lang == "en" else self.message_id,
        }


@dataclass
class HubError(Exception):
    """Base of every error the hub reports to a caller."""

    message_id: str = "Permintaan tidak dapat diproses."
    message_en: str = "The request could not be processed."
    code: str = "bad_request"
    status: int = 400
    errors: list[FieldError] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message_en)

    def message(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message_id


def _kind(status: int, code: str, message_id: str, message_en: str) -> type[HubError]:
    """Make a HubError subclass whose defaults are the given status, code and messages."""

    class Kind(HubError):
        def __init__(
            self,
            message_id: str = message_id,
            message_en: str = message_en,
            *,
            code: str = code,
            errors: list[FieldError] | None = None,
            extra: dict | None = None,
            headers: dict | None = None,
        ) -> None:
            super().__init__(
                message_id=message_id,
                message_en=message_en,
                code=code,
                status=status,
                errors=list(errors or []),
                extra=dict(extra or {}),
                headers=dict(headers or {}),
            )

    return Kind


ValidationFailed = _kind(
    400, "validation_failed", "Data yang dikirim tidak valid.", "The submitted data is invalid."
)
MalformedRequest = _kind(
    400, "malformed_request", "Permintaan tidak dapat dibaca.", "The request body is malformed."
)
NotAuthenticated = _kind(
    401, "not_authenticated", "Autentikasi diperlukan.", "Authentication is required."
)
AuthenticationFailed = _kind(
    401, "authentication_failed", "Kredensial tidak valid.", "The credentials are not valid."
)
PermissionDenied = _kind(
    403,
    "permission_denied",
    "Anda tidak berwenang melakukan tindakan ini.",
    "You are not allowed to do this.",
)
NotFound = _kind(404, "not_found", "Data tidak ditemukan.", "Not found.")
MethodNotAllowed = _kind(
    405, "method_not_allowed", "Metode tidak diizinkan.", "Method not allowed."
)
NotAcceptable = _kind(
    406,
    "not_acceptable",
    "Format yang diminta tidak tersedia.",
    "The requested format is not available.",
)
Conflict = _kind(
    409, "conflict", "Terjadi konflik dengan data yang ada.", "Conflicts with existing data."
)
PreconditionFailed = _kind(
    412,
    "precondition_failed",
    "Data telah berubah sejak Anda membacanya.",
    "The resource changed since you read it.",
)
PayloadTooLarge = _kind(
    413, "payload_too_large", "Data terlalu besar.", "The payload is too large."
)
UnsupportedMediaType = _kind(
    415, "unsupported_media_type", "Jenis konten tidak didukung.", "Unsupported media type."
)
# tus checksum extension: a body that does not match its Upload-Checksum.
ChecksumMismatch = _kind(
    460,
    "checksum_mismatch",
    "Data tidak cocok dengan Upload-Checksum; kirim ulang bagian ini.",
    "The data does not match its Upload-Checksum; send this part again.",
)
Unprocessable = _kind(
    422, "unprocessable", "Konten tidak dapat diproses.", "The content cannot be processed."
)
RateLimited = _kind(
    429, "rate_limited", "Terlalu banyak permintaan. Coba lagi nanti.", "Too many requests."
)
ServiceUnavailable = _kind(
    503,
    "service_unavailable",
    "Layanan sedang tidak tersedia. Coba lagi nanti.",
    "The service is temporarily unavailable.",
)


def nul_character(field: str | None = None) -> HubError:
    """Text holding U+0000, which no stored text may contain (PostgreSQL refuses it)."""
    message_id = "Teks tidak boleh mengandung karakter NUL (U+0000)."
    message_en = "Text must not contain the NUL character (U+0000)."
    where = [] if field is None else [FieldError(field, "nul_character", message_id, message_en)]
    return ValidationFailed(message_id, message_en, code="nul_character", errors=where)


def find_nul(value) -> str | None:
    """Where in a parsed JSON value a string (or key) holds U+0000: a dotted path, or None.

    Walks with its own stack: a body nested as deep as JSON parsers allow is fine.
    """
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return pointer
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{pointer}.{key}" if pointer else str(key)
                if "\x00" in str(key):
                    return name
                stack.append((name, child))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{pointer}.{index}" if pointer else str(index), child))
    return None


def check_version(current: int, expected: int | None, *, name: str = "version") -> None:
    """412 when a caller names a version of a row (`expected`) other than its `current` one.

    Services call it on the row as locked for the change, so two writers naming
    the same version cannot both go through.
    """
    if expected is not None and current != expected:
        raise PreconditionFailed(extra={f"current_{name}": current})
