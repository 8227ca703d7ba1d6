"""Media references of facts content: evidence, screenshots and CAP resources.

A reference is stored as a JSON object so a published (signed) document keeps
exactly what it pointed at even if the asset changes later:

* ``{"asset": 12, "description": …}`` names a media-store asset; it is resolved
  through the access policy (the caller must see it) and snapshotted with its
  MIME type, size and SHA-256 — the seam to ``media_store``, looked up lazily so
  this app works whether or not that app is installed;
* ``{"url": …, "mime": …, "size": …, "digest": …, "description": …}`` is a file
  published elsewhere. ``digest`` is the SHA-1 hex digest CAP 1.2 asks for.
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.conf import settings

from agencies import policy
from agencies.policy import Principal
from hub.errors import FieldError
from hub.facts.cleaning import valid_url

MIME_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
SHA1_RE = re.compile(r"^[0-9a-f]{40}$")
MAX_DESCRIPTION = 500


def _asset_model():
    """The media store's asset model, or None when that app is not installed."""
    if not apps.is_installed("media_store"):
        return None
    try:
        return apps.get_model("media_store", "MediaAsset")
    except LookupError:
        return None


def asset_url(asset_id: int) -> str:
    """Where the hub serves an asset's public rendition (the media store's API)."""
    return f"{settings.HUB_PUBLIC_URL}/api/v1/media/{asset_id}/"


def _invalid(field: str, code: str, message_id: str, message_en: str) -> FieldError:
    return FieldError(field, code, message_id, message_en)


def media_reference(
    raw: Any, *, principal: Principal, field: str, require_description: bool = False
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """Validate one media reference; return its stored form and the problems found."""
    if not isinstance(raw, dict):
        return None, [
            _invalid(
                field,
                "invalid_media",
                "Harus berupa objek media.",
                'Must be an object: {"asset"} or {"url", "mime", …}.',
            )
        ]
    description = raw.get("description") or ""
    errors: list[FieldError] = []
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        errors.append(_invalid(f"{field}.description", "too_long", "Terlalu panjang.", "Too long."))
    elif require_description and not description.strip():
        errors.append(
            _invalid(f"{field}.description", "required", "Wajib diisi.", "This field is required.")
        )
    if "asset" in raw:
        model = _asset_model()
        asset = None
        if (
            model is not None
            and isinstance(raw["asset"], int)
            and not isinstance(raw["asset"], bool)
        ):
            asset = policy.visible_to(principal, model.objects.filter(pk=raw["asset"])).first()
        if asset is None:
            errors.append(
                _invalid(
                    f"{field}.asset", "unknown_asset", "Media tidak ditemukan.", "No such media."
                )
            )
            return None, errors
        return {
            "asset": asset.pk,
            "url": asset_url(asset.pk),
            "mime": asset.mime,
            "size": asset.size,
            "sha256": asset.sha256,
            "description": description.strip(),
        }, errors
    url, mime, size, digest = raw.get("url"), raw.get("mime"), raw.get("size"), raw.get("digest")
    if not valid_url(url):
        errors.append(_invalid(f"{field}.url", "invalid_url", "URL tidak valid.", "Invalid URL."))
    if not isinstance(mime, str) or not MIME_RE.match(mime.lower()):
        errors.append(
            _invalid(f"{field}.mime", "invalid_mime", "Jenis MIME tidak valid.", "Invalid MIME.")
        )
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        errors.append(
            _invalid(
                f"{field}.size", "invalid_size", "Ukuran harus bilangan bulat ≥ 0.", "Bad size."
            )
        )
    if digest is not None and (not isinstance(digest, str) or not SHA1_RE.match(digest.lower())):
        errors.append(
            _invalid(
                f"{field}.digest",
                "invalid_digest",
                "Digest harus SHA-1 heksadesimal (40 karakter).",
                "digest must be a 40-character hex SHA-1 (CAP 1.2).",
            )
        )
    unknown = set(raw) - {"url", "mime", "size", "digest", "description"}
    errors.extend(
        _invalid(f"{field}.{name}", "unknown_field", "Kolom tidak dikenal.", "Unknown field.")
        for name in sorted(unknown)
    )
    if errors:
        return None, errors
    return {
        "url": url,
        "mime": mime.lower(),
        "size": size,
        "digest": digest.lower() if digest else None,
        "description": description.strip(),
    }, []
