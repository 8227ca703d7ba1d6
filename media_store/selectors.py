"""Read services of the media store: what a principal may see, find and download."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agencies import policy
from agencies.models import Agency
from agencies.policy import Principal
from hub.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from media_store import delivery, processing
from media_store.models import AgencyUsage, Collection, MediaAsset, MediaUpload, Rendition
from media_store.rules import may_read_original
from media_store.storage import ObjectMissing
from media_store.uploads import MultipartBody, Receiver

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
PHASH_RE = re.compile(r"^[0-9a-f]{16}$")


def asset_list(principal: Principal) -> QuerySet:
    """Every live asset the principal may see (own agency, released shared, public).

    Each carries ``original_location`` (where its original is stored) from the
    same query, for the owning agency's original URLs.
    """
    return policy.visible_to(principal, MediaAsset.objects.all()).annotate(
        original_location=delivery.original_location_expression()
    )


def asset_get(principal: Principal, asset_id) -> MediaAsset:
    """One visible asset; NotFound when it does not exist or is not visible."""
    try:
        asset = asset_list(principal).filter(pk=int(asset_id)).select_related("agency").first()
    except (TypeError, ValueError):
        asset = None
    if asset is None:
        raise NotFound()
    return asset


def agency_usage(agency_id: int) -> int:
    """Bytes counted against an agency's quota: every asset it has not deleted."""
    usage = AgencyUsage.objects.filter(agency_id=agency_id)
    return usage.values_list("bytes", flat=True).first() or 0


@dataclass(frozen=True)
class Usage:
    """How much of its media quota an agency uses."""

    agency: Agency
    used_bytes: int
    quota_bytes: int | None  # None: no quota

    @property
    def available_bytes(self) -> int | None:
        return None if self.quota_bytes is None else max(0, self.quota_bytes - self.used_bytes)

    def as_dict(self) -> dict:
        """What REST answers and GraphQL's ``MediaUsage`` carries."""
        return {
            "agency": self.agency.slug,
            "used_bytes": self.used_bytes,
            "quota_bytes": self.quota_bytes,
            "available_bytes": self.available_bytes,
        }


def media_quota() -> int | None:
    """Bytes each agency may keep (``HUB_MEDIA_QUOTA_BYTES``); None when there is no quota."""
    quota = settings.HUB_MEDIA_QUOTA_BYTES
    return quota if quota > 0 else None


def media_usage(principal: Principal, agency: Agency) -> Usage:
    """An agency's quota and what it uses, for the agency's own people and systems."""
    if not policy.may(principal, policy.VIEW, MediaAsset, agency.pk):
        raise PermissionDenied()
    return Usage(agency, agency_usage(agency.pk), media_quota())


def collection_list(principal: Principal) -> QuerySet:
    return policy.visible_to(principal, Collection.objects.all())


def upload_get(principal: Principal, upload_id) -> MediaUpload:
    """A live resumable upload of an agency the principal may upload for; NotFound otherwise."""
    upload = (
        policy.visible_to(principal, MediaUpload.objects.all(), policy.CHANGE)
        .filter(pk=upload_id, expires_at__gt=timezone.now())
        .select_related("agency")
        .first()
    )
    if upload is None:
        raise NotFound()
    return upload


def asset_download(principal: Principal, asset: MediaAsset, variant: str) -> delivery.Download:
    """The file behind `variant` (``original`` or ``<preset>.<format>``) if the caller may read it.

    The original is for the owning agency only; "not yours" answers NotFound.
    """
    if variant == "original":
        if not may_read_original(principal, asset):
            raise NotFound()
        try:
            return delivery.original_download(asset)
        except ObjectMissing:
            raise NotFound() from None
    download = delivery.variant_download(asset, variant)
    if download is None:
        raise NotFound()
    return download


def original_url(principal: Principal, asset) -> str | None:
    """A short-lived URL of the original, for the owning agency only."""
    location = getattr(asset, "original_location", None)
    if not location or not may_read_original(principal, asset):
        return None
    return delivery.signed_url(delivery.original_download(asset, location))


def public_download(asset_id, variant: str) -> delivery.Download:
    """A rendition of a public, released asset, for anyone (the stable public URL)."""
    asset = asset_get(policy.ANONYMOUS, asset_id)
    download = delivery.variant_download(asset, variant)
    if download is None or not download.public:
        raise NotFound()
    return download


# -- lookup ---------------------------------------------------------------------------------


@dataclass
class Lookup:
    """Official assets matching a file: the same bytes, or a similar picture."""

    sha256: str | None
    phash: str | None
    exact: list[MediaAsset] = field(default_factory=list)
    near: list[tuple[MediaAsset, int]] = field(default_factory=list)


def _invalid(name: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(name, "invalid_" + name, message_id, message_en)])


def _hex_text(value: object) -> str | None:
    """A hash as the caller sent it, normalised; any non-text value fails the pattern."""
    if value in (None, ""):
        return None
    return value.strip().lower() if isinstance(value, str) else "not text"


def asset_lookup(
    *, principal: Principal, sha256: str | None = None, phash: str | None = None
) -> Lookup:
    """Visible assets whose original or a rendition has `sha256`, and those whose
    perceptual hash is within ``HUB_MEDIA_NEAR_DISTANCE`` bits of `phash`.

    Anyone may ask (a citizen checks a picture forwarded to them); the answer
    holds only what the caller may see, for an anonymous one public assets.
    """
    sha256 = _hex_text(sha256)
    phash = _hex_text(phash)
    if sha256 and not SHA256_RE.match(sha256):
        raise _invalid("sha256", "SHA-256 harus 64 digit heksadesimal.", "sha256 must be 64 hex.")
    if phash and not PHASH_RE.match(phash):
        raise _invalid("phash", "pHash harus 16 digit heksadesimal.", "phash must be 16 hex.")
    if not sha256 and not phash:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "file",
                    "required",
                    "Kirim berkas, sha256 atau phash.",
                    "Send a file, a sha256 or a phash.",
                )
            ]
        )
    visible = asset_list(principal).select_related("agency")
    result = Lookup(sha256=sha256, phash=phash)
    exact_ids: set[int] = set()
    if sha256:
        rendition = Rendition.objects.filter(asset=OuterRef("pk"), sha256=sha256)
        result.exact = list(
            visible.filter(Q(sha256=sha256) | Q(Exists(rendition))).order_by("id")[:50]
        )
        exact_ids = {asset.pk for asset in result.exact}
    if phash:
        bits = processing.phash_bits(phash)
        distance = RawSQL("bit_count((phash_bits # %s)::bit(64))", [bits])
        near = (
            visible.filter(phash_bits__isnull=False)
            .exclude(pk__in=exact_ids)
            .annotate(distance=distance)
            .filter(distance__lte=settings.HUB_MEDIA_NEAR_DISTANCE)
            .order_by("distance", "id")[:50]
        )
        result.near = [(asset, asset.distance) for asset in near]
    return result


def asset_lookup_file(*, principal: Principal, body: MultipartBody) -> Lookup:
    """Look up the file in a multipart body (field ``file``). Nothing is stored.

    The file is read up to ``HUB_MEDIA_LOOKUP_MAX_BYTES`` (413 past it).
    """
    seen: dict[str, str] = {}

    def image_hook(stream) -> None:
        image = processing.open_for_rendering(stream, max_pixels=settings.HUB_MEDIA_MAX_PIXELS)
        seen["phash"] = processing.phash_of(image)

    limit = settings.HUB_MEDIA_LOOKUP_MAX_BYTES
    _fields, inspection = body.receive(
        lambda: Receiver(storage=None, limit=limit, image_hook=image_hook)
    )
    return asset_lookup(principal=principal, sha256=inspection.sha256, phash=seen.get("phash"))
