"""How callers get at the bytes: stable URLs for public renditions, short-lived ones otherwise.

* A rendition of a public, released asset has a stable URL: the object
  store's public base URL (``MINIO_PUBLIC_BASE_URL``, when the operator exposes
  ``renditions/`` there) or the hub's own ``/media/p/<asset>/<preset>.<format>``.
* Everything else — renditions of non-public assets, and originals (own
  agency only) — gets a URL valid for ``HUB_MEDIA_URL_TTL`` seconds: an S3
  presigned URL, or a hub URL carrying a signed token (local storage).

When the hub streams a file itself it answers HTTP Range requests and sets
``ETag`` to the SHA-256 of the bytes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Concat, Substr

from media_store.inspect import EXTENSIONS
from media_store.models import Blob, MediaAsset, Rendition
from media_store.processing import CONTENT_TYPES
from media_store.rules import is_public
from media_store.storage import (
    ObjectMissing,
    Storage,
    get_storage,
    original_key,
    rendition_key,
)

TOKEN_SALT = "media_store.delivery"


@dataclass(frozen=True)
class Download:
    """One file as the hub serves it."""

    key: str
    size: int
    mime: str
    sha256: str
    filename: str
    inline: bool
    public: bool

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'


def _base() -> str:
    return settings.HUB_PUBLIC_URL.rstrip("/")


def original_location(sha256: str) -> str:
    """Where the original with this SHA-256 is stored; ObjectMissing if the hub has none."""
    key = original_key(sha256)
    location = Blob.objects.filter(key=key).values_list("location", flat=True).first()
    if location is None:
        raise ObjectMissing(key)
    return location


def original_location_expression() -> Subquery:
    """SQL for an asset's original location, to annotate a queryset (no query per row)."""
    sha = OuterRef("sha256")
    key = Concat(
        Value("originals/"),
        Substr(sha, 1, 2),
        Value("/"),
        Substr(sha, 3, 2),
        Value("/"),
        sha,
        output_field=CharField(),
    )
    return Subquery(Blob.objects.filter(key=key).values("location")[:1])


def original_download(asset, location: str | None = None) -> Download:
    filename = asset.original_filename or f"{asset.sha256[:16]}.{EXTENSIONS.get(asset.mime, 'bin')}"
    return Download(
        key=location or original_location(asset.sha256),
        size=asset.size,
        mime=asset.mime,
        sha256=asset.sha256,
        filename=filename,
        # SVG and other originals are downloaded, never rendered in the hub's origin.
        inline=False,
        public=False,
    )


def rendition_download(asset_id: int, rendition: Rendition, *, public: bool) -> Download:
    ext = "jpg" if rendition.format == "jpeg" else rendition.format
    return Download(
        key=rendition_key(rendition.sha256, rendition.format),
        size=rendition.size,
        mime=CONTENT_TYPES[rendition.format],
        sha256=rendition.sha256,
        filename=f"{asset_id}-{rendition.name}.{ext}",
        inline=True,
        public=public,
    )


def url_window() -> tuple[int, int]:
    """(start, ttl) of the current signing window.

    Short-lived URLs are signed as of the start of a window half their lifetime
    long, so the same request gives the same URLs (stable ETags) for a while,
    and every URL handed out stays valid for at least half its lifetime.
    """
    ttl = settings.HUB_MEDIA_URL_TTL
    step = max(ttl // 2, 1)
    now = int(time.time())
    return now - now % step, ttl


class _WindowSigner(signing.TimestampSigner):
    def __init__(self, *, at: int, **kwargs):
        super().__init__(**kwargs)
        self.at = at

    def timestamp(self) -> str:
        return signing.b62_encode(self.at)


def signed_url(download: Download, storage: Storage | None = None) -> str:
    """A URL valid for HUB_MEDIA_URL_TTL seconds: presigned by the store, or by the hub."""
    storage = storage or get_storage()
    start, ttl = url_window()
    url = storage.presigned_url(
        download.key,
        ttl=ttl,
        content_type=download.mime,
        filename="" if download.inline else download.filename,
        signed_at=datetime.fromtimestamp(start, UTC),
    )
    if url:
        return url
    token = _WindowSigner(at=start, salt=TOKEN_SALT).sign_object(asdict(download), compress=True)
    return f"{_base()}/media/s/{token}"


def read_token(token: str) -> Download | None:
    """The download a hub-signed URL grants, or None when forged or expired."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=settings.HUB_MEDIA_URL_TTL
        )
        return Download(**data)
    except (signing.BadSignature, TypeError):
        return None


def rendition_url(asset_id: int, rendition: Rendition, *, public: bool, storage=None) -> str:
    download = rendition_download(asset_id, rendition, public=public)
    if public:
        storage = storage or get_storage()
        ext = "jpg" if rendition.format == "jpeg" else rendition.format
        return storage.public_url(download.key) or (
            f"{_base()}/media/p/{asset_id}/{rendition.name}.{ext}"
        )
    return signed_url(download, storage)


def renditions_by_asset(rows: list[dict], *, storage: Storage | None = None) -> dict[int, list]:
    """The renditions of a page of assets (one query), with a URL each, keyed by asset id.

    `rows` need ``id``, ``status``, ``visibility``, ``published_at`` and ``embargo_until``.
    """
    if not rows:
        return {}
    storage = storage or get_storage()
    public = {row["id"]: is_public(row) for row in rows}
    found: dict[int, list] = {row["id"]: [] for row in rows}
    for rendition in Rendition.objects.filter(asset_id__in=list(found)).order_by(
        "asset_id", "name", "format"
    ):
        found[rendition.asset_id].append(
            rendition_item(rendition, public=public[rendition.asset_id], storage=storage)
        )
    return found


def rendition_item(rendition: Rendition, *, public: bool, storage: Storage | None = None) -> dict:
    return {
        "name": rendition.name,
        "format": rendition.format,
        "width": rendition.width,
        "height": rendition.height,
        "size": rendition.size,
        "sha256": rendition.sha256,
        "url": rendition_url(rendition.asset_id, rendition, public=public, storage=storage),
    }


def parse_variant(variant: str) -> tuple[str, str] | None:
    """``"square.webp"`` → ``("square", "webp")``; ``jpg`` means ``jpeg``."""
    name, _, ext = variant.rpartition(".")
    fmt = {"jpg": "jpeg", "jpeg": "jpeg", "webp": "webp"}.get(ext.lower())
    if not name or fmt is None:
        return None
    return name, fmt


def variant_download(asset: MediaAsset, variant: str) -> Download | None:
    """The rendition ``<preset>.<format>`` of an asset, if it exists."""
    parsed = parse_variant(variant)
    if parsed is None:
        return None
    rendition = asset.renditions.filter(name=parsed[0], format=parsed[1]).first()
    if rendition is None:
        return None
    return rendition_download(asset.pk, rendition, public=is_public(asset))
