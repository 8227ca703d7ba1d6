"""REST resources of the media store: assets (upload, lookup, download), collections, tus uploads.

Thin: requests are parsed here and handed to ``media_store.services`` (writes)
and ``media_store.selectors`` (reads); files are streamed with HTTP Range
support and ``ETag`` = SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from api.parsers import JSONParser, UnreadBodyParser
from api.permissions import AnyoneMayCheck
from api.plans import KeyedQuery, plans
from api.renderers import JSONRenderer
from api.resources import Expansion, Resource
from api.schema import document_resource, resource_serializer
from api.views import ResourceViewSet, plain_view
from hub.errors import (
    ChecksumMismatch,
    FieldError,
    HubError,
    NotFound,
    PreconditionFailed,
    UnsupportedMediaType,
    ValidationFailed,
    nul_character,
)
from media_store import delivery, selectors, services
from media_store.files import content_disposition
from media_store.filters import CollectionFilterSet, MediaAssetFilterSet
from media_store.models import Collection, MediaAsset
from media_store.rules import may_read_original
from media_store.storage import ObjectMissing, get_storage
from media_store.uploads import CHECKSUM_ALGORITHMS, BodyChunks, Checksum, MultipartBody

TUS_VERSION = "1.0.0"

# Row columns the renditions and URLs are computed from, whatever ?fields= asks for.
URL_COLUMNS = (
    "id",
    "agency_id",
    "status",
    "visibility",
    "published_at",
    "embargo_until",
    "sha256",
    "mime",
    "size",
    "original_filename",
    "original_location",
)

MEDIA_ASSET = Resource(
    name="MediaAsset",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "title": "title",
        "description": "description",
        "alt_text": "alt_text",
        "language": "language",
        "tags": "tags",
        "license": "license",
        "credit": "credit",
        "copyright_holder": "copyright_holder",
        "captured_at": "captured_at",
        "kind": "kind",
        "mime": "mime",
        "size": "size",
        "sha256": "sha256",
        "original_filename": "original_filename",
        "width": "width",
        "height": "height",
        "duration": "duration",
        "pages": "pages",
        "phash": "phash",
        "focal_x": "focal_x",
        "focal_y": "focal_y",
        "status": "status",
        "status_detail": "status_detail",
        "visibility": "visibility",
        "contains_identifiable_people": "contains_identifiable_people",
        "contains_minors": "contains_minors",
        "legal_basis": "legal_basis",
        "legal_basis_reference": "legal_basis_reference",
        "embargo_until": "embargo_until",
        "published_at": "published_at",
        "replaces": "replaces_id",
        "version": "version",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    expansions={
        "agency": Expansion("agency", {"slug": "slug", "name": "name", "acronym": "acronym"}),
    },
    # Filled in per page by MediaAssetViewSet (one extra query for all renditions).
    computed={"renditions": lambda row: [], "original_url": lambda row: None},
    computed_needs={"renditions": URL_COLUMNS, "original_url": URL_COLUMNS},
)

COLLECTION = Resource(
    name="MediaCollection",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "title": "title",
        "description": "description",
        "visibility": "visibility",
        "version": "version",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
)


# -- request parsing ---------------------------------------------------------------------


class UploadBodyParser(UnreadBodyParser):
    """A multipart upload, left for the media services to stream."""

    media_type = "multipart/form-data"


TUS_BODY = "application/offset+octet-stream"


class TusBodyParser(UnreadBodyParser):
    media_type = TUS_BODY


def _multipart(request) -> MultipartBody:
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Kirim berkas sebagai multipart/form-data (kolom `file`).",
            "Send the file as multipart/form-data (field `file`).",
            code="multipart_required",
        )
    return MultipartBody(request._request)


# -- streaming files -------------------------------------------------------------------------

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range a Range header asks for, as (start, end inclusive).

    None means "send everything" (no header, several ranges or a syntax the
    hub ignores, as RFC 9110 allows); a range past the end raises 416.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise _unsatisfiable(size)
        return max(size - length, 0), size - 1
    start = int(first)
    if start >= size:
        raise _unsatisfiable(size)
    end = int(last) if last else size - 1
    if end < start:
        return None
    return start, min(end, size - 1)


def _unsatisfiable(size: int) -> HubError:
    return HubError(
        "Rentang yang diminta di luar ukuran berkas.",
        "The requested range is outside the file.",
        code="range_not_satisfiable",
        status=416,
        headers={"Content-Range": f"bytes */{size}"},
    )


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


def stream_file(request, download: delivery.Download, *, cache: str) -> HttpResponse:
    """Serve a stored file: HEAD, conditional GET (ETag = sha256), and single byte ranges."""
    headers = {
        "ETag": download.etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": cache,
        "Content-Disposition": content_disposition(download.filename, inline=download.inline),
        "X-Content-Type-Options": "nosniff",
    }
    if not download.inline:
        # An original (SVG included) never runs as a document of the hub's origin.
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if _etag_matches(request.headers.get("If-None-Match"), download.etag):
        response = HttpResponse(status=304)
        for name, value in headers.items():
            response[name] = value
        return response
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != download.etag:
        range_header = None
    byte_range = parse_range(range_header, download.size)
    start, end = byte_range if byte_range else (0, download.size - 1)
    length = max(end - start + 1, 0)
    status = 206 if byte_range else 200
    if byte_range:
        headers["Content-Range"] = f"bytes {start}-{end}/{download.size}"
    if request.method == "HEAD" or length == 0:
        response = HttpResponse(status=status, content_type=download.mime)
    else:
        try:
            chunks = get_storage().read(download.key, start, length)
        except ObjectMissing:
            raise NotFound() from None
        response = StreamingHttpResponse(chunks, status=status, content_type=download.mime)
    response["Content-Length"] = str(length)
    for name, value in headers.items():
        response[name] = value
    return response


@plain_view
def media_public_file(request, asset_id: int, variant: str):
    """The stable URL of a rendition of a public, published asset (no authentication)."""
    download = selectors.public_download(asset_id, variant)
    return stream_file(request, download, cache="public, max-age=300")


@plain_view
def media_signed_file(request, token: str):
    """A short-lived, hub-signed URL (local storage: the hub serves the bytes itself)."""
    download = delivery.read_token(token)
    if download is None:
        raise NotFound(code="url_expired")
    cache = "public, max-age=300" if download.public else "private, max-age=60"
    return stream_file(request, download, cache=cache)


# -- assets ------------------------------------------------------------------------------------


class MediaAssetInput(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    alt_text = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    language = serializers.CharField(required=False, help_text="BCP 47, e.g. id, en, jv")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    license = serializers.CharField(max_length=100, required=False)
    credit = serializers.CharField(max_length=300, required=False, allow_blank=True)
    copyright_holder = serializers.CharField(max_length=300, required=False, allow_blank=True)
    captured_at = serializers.DateTimeField(required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=MediaAsset.Visibility.choices, required=False)
    contains_identifiable_people = serializers.BooleanField(required=False)
    contains_minors = serializers.BooleanField(required=False)
    legal_basis = serializers.ChoiceField(
        choices=MediaAsset.LegalBasis.choices, required=False, allow_blank=True
    )
    legal_basis_reference = serializers.CharField(required=False, allow_blank=True)
    embargo_until = serializers.DateTimeField(required=False, allow_null=True)
    focal_x = serializers.FloatField(required=False, min_value=0, max_value=1)
    focal_y = serializers.FloatField(required=False, min_value=0, max_value=1)
    collections = serializers.ListField(child=serializers.IntegerField(), required=False)


class MediaUploadForm(MediaAssetInput):
    file = serializers.FileField(help_text="The file; its type is sniffed from the bytes.")
    replaces = serializers.IntegerField(required=False, help_text="id of the asset it replaces")


class LookupInput(serializers.Serializer):
    sha256 = serializers.CharField(required=False, help_text="SHA-256 of the file (hex)")
    phash = serializers.CharField(required=False, help_text="64-bit perceptual hash (hex)")


class LookupForm(serializers.Serializer):
    file = serializers.FileField()


class MediaUsage(serializers.Serializer):
    agency = serializers.CharField(help_text="The agency's slug.")
    used_bytes = serializers.IntegerField(help_text="Every asset not deleted counts.")
    quota_bytes = serializers.IntegerField(allow_null=True, help_text="null: no quota.")
    available_bytes = serializers.IntegerField(allow_null=True)


ASSET_DOC = resource_serializer(MEDIA_ASSET, MediaAsset)
DUPLICATE_DESCRIPTION = (
    "The same bytes are already an asset of this agency (X-Simpul-Duplicate: true)."
)


@document_resource(MEDIA_ASSET, MediaAssetFilterSet, lookup="id")
class MediaAssetViewSet(ResourceViewSet):
    """Shared media. Upload with multipart POST; read what your agency may see.

    Each asset lists its renditions with URLs: stable URLs for public, published
    assets, URLs valid for ``HUB_MEDIA_URL_TTL`` seconds otherwise. The
    original's URL (``original_url``) is given to the owning agency only.
    """

    resource = MEDIA_ASSET
    model = MediaAsset
    compiled_lists = True  # the policy's embargo test is SQL (Now()), the filters are pure
    filterset_class = MediaAssetFilterSet
    ordering = ("id",)
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    anonymous_read = True
    parser_classes = [JSONParser, UploadBodyParser]

    def get_queryset(self):
        return selectors.asset_list(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # A file download answers in the file's own type, whatever Accept says.
        return super().perform_content_negotiation(
            request, force=force or self.action == "download"
        )

    # -- reading -----------------------------------------------------------------

    def list_columns(self, fields, expand) -> list[str]:
        return list(dict.fromkeys([*self.resource.columns(fields, expand), *URL_COLUMNS]))

    def render_list(self, rows: list[dict], fields: list[str], expand: list[str]) -> list[dict]:
        items = self.resource.render_rows(rows, fields, expand)
        want_renditions = "renditions" in fields
        want_original = "original_url" in fields
        if not (want_renditions or want_original):
            return items
        storage = get_storage()
        renditions = delivery.renditions_by_asset(rows, storage=storage) if want_renditions else {}
        principal = self.request.user
        for row, item in zip(rows, items, strict=True):
            if want_renditions:
                item["renditions"] = renditions.get(row["id"], [])
            if want_original:
                location = row["original_location"]
                own = location and may_read_original(principal, row)
                download = delivery.original_download(_AssetRow(row), location) if own else None
                item["original_url"] = delivery.signed_url(download, storage) if own else None
        return items

    def represent(self, obj, *, default: bool = False) -> dict[str, Any]:
        fields, expand = (self.resource.field_names, []) if default else self._shape()
        columns = self.list_columns(fields, expand)
        # The same statement for every asset of this shape: compiled once.
        key = (MediaAssetViewSet.represent, tuple(columns))
        compiled = plans.get(key)
        if compiled is None:
            compiled = KeyedQuery.of(
                lambda pk: MediaAsset.all_objects.filter(pk=pk)
                .annotate(original_location=delivery.original_location_expression())
                .values(*columns)
            )
            plans.put(key, compiled)
        rows = compiled.rows_for(obj.pk)
        if not rows:
            raise NotFound()
        return self.render_list(rows, fields, expand)[0]

    def represent_many(self, assets) -> list[dict[str, Any]]:
        fields, expand = self._shape()
        ids = [asset.pk for asset in assets]
        queryset = MediaAsset.objects.filter(pk__in=ids).annotate(
            original_location=delivery.original_location_expression()
        )
        rows = {row["id"]: row for row in queryset.values(*self.list_columns(fields, expand))}
        ordered = [rows[pk] for pk in ids if pk in rows]
        return self.render_list(ordered, fields, expand)

    # -- writing -----------------------------------------------------------------

    @extend_schema(
        summary="Upload a file (multipart/form-data, field `file`)",
        parameters=[
            OpenApiParameter(
                "agency", str, description="Owning agency's slug (if you have several)"
            )
        ],
        request={"multipart/form-data": MediaUploadForm},
        responses={
            201: ASSET_DOC,
            200: OpenApiResponse(ASSET_DOC, description=DUPLICATE_DESCRIPTION),
            413: None,
            415: None,
            422: None,
            503: None,
        },
    )
    def create(self, request):
        principal = request.user
        agency = services.upload_agency(principal, request.GET.get("agency"))
        answer: dict[str, Any] = {}

        def render(new: MediaAsset) -> None:
            # The new asset is rendered while its file is still reaching storage.
            answer["asset"] = self.represent(new)

        asset, created = services.asset_upload(
            principal=principal, agency=agency, body=_multipart(request), while_storing=render
        )
        if created:
            return self.created(asset, data=answer["asset"])
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{asset.pk}/")
        return self.respond(
            self.represent(asset),
            status=200,
            headers={"X-Simpul-Duplicate": "true", "Location": location},
        )

    @extend_schema(
        summary="Change an asset's metadata (a new focal point re-renders the crops)",
        request=MediaAssetInput,
        responses={200: ASSET_DOC},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    def partial_update(self, request, pk=None):
        with self.changing() as asset:
            asset = services.asset_update(principal=request.user, asset=asset, data=self.body())
        return self.respond(self.represent(asset))

    @extend_schema(
        summary="Delete an asset (its files are removed when nothing else uses them)",
        responses={204: None},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    def destroy(self, request, pk=None):
        with self.changing() as asset:
            services.asset_delete(principal=request.user, asset=asset)
        return self.respond(None, status=204)

    @extend_schema(
        summary="Publish an asset (verifiers; needs alt text and, with people, a legal basis)",
        request=None,
        responses={200: ASSET_DOC},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        with self.changing() as asset:
            asset = services.asset_publish(principal=request.user, asset=asset)
        return self.respond(self.represent(asset))

    @extend_schema(
        summary="Withdraw a published asset",
        request=None,
        responses={200: ASSET_DOC},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        with self.changing() as asset:
            asset = services.asset_unpublish(principal=request.user, asset=asset)
        return self.respond(self.represent(asset))

    @extend_schema(
        summary="Download the original (own agency) or a rendition, e.g. `square.webp`",
        parameters=[
            OpenApiParameter("variant", str, OpenApiParameter.PATH),
            OpenApiParameter("Range", str, OpenApiParameter.HEADER),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            304: None,
            416: None,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"download/(?P<variant>original|[a-z_]+\.(?:webp|jpg|jpeg))",
    )
    def download(self, request, pk=None, variant=None):
        asset = self.get_object()
        download = selectors.asset_download(request.user, asset, variant)
        cache = "public, max-age=300" if download.public else "private, max-age=60"
        return stream_file(request, download, cache=cache)

    @extend_schema(
        summary="Is this file (or a resized copy) an official asset? Exact and near matches",
        description="Open to anyone, like signature checks: an anonymous caller is answered "
        "from public, published assets. A file is read up to `HUB_MEDIA_LOOKUP_MAX_BYTES` "
        "and never stored; for a larger one send its `sha256`.",
        request={"multipart/form-data": LookupForm, "application/json": LookupInput},
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[JSONParser, UploadBodyParser],
        permission_classes=[AnyoneMayCheck],
    )
    def lookup(self, request):
        principal = request.user
        if (request.content_type or "").startswith("multipart/form-data"):
            result = selectors.asset_lookup_file(principal=principal, body=_multipart(request))
        else:
            data = self.body()
            result = selectors.asset_lookup(
                principal=principal, sha256=data.get("sha256"), phash=data.get("phash")
            )
        exact = self.represent_many(result.exact)
        near_items = self.represent_many([asset for asset, _distance in result.near])
        distances = {asset.pk: distance for asset, distance in result.near}
        for item in near_items:
            item["distance"] = distances.get(item.get("id"))
        return self.respond(
            {"sha256": result.sha256, "phash": result.phash, "exact": exact, "near": near_items}
        )

    @extend_schema(
        summary="How much of its media quota an agency uses (`?agency=slug`, default: yours)",
        description="Every asset not deleted counts. For the agency's own people and systems.",
        parameters=[OpenApiParameter("agency", str, description="The agency's slug.")],
        responses={200: MediaUsage},
    )
    @action(detail=False, methods=["get"])
    def usage(self, request):
        usage = selectors.media_usage(
            request.user, services.upload_agency(request.user, request.GET.get("agency"))
        )
        return self.respond(usage.as_dict())


class _AssetRow:
    """Attribute access over a values() row, for the delivery helpers."""

    def __init__(self, row: dict):
        self.__dict__.update(row)


# -- collections ---------------------------------------------------------------------------------


class CollectionInput(serializers.Serializer):
    agency = serializers.SlugField(required=False, help_text="owning agency (if you have several)")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Collection.Visibility.choices, required=False)


@document_resource(COLLECTION, CollectionFilterSet, lookup="id", write=CollectionInput)
class MediaCollectionViewSet(ResourceViewSet):
    """Albums of one agency's assets. Filter assets with `?collection=<id>`."""

    resource = COLLECTION
    model = Collection
    filterset_class = CollectionFilterSet
    ordering = ("id",)
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    anonymous_read = True

    def get_queryset(self):
        return selectors.collection_list(self.request.user)

    def create(self, request):
        data = self.body()
        agency = services.upload_agency(request.user, data.get("agency"))
        collection = services.collection_create(principal=request.user, agency=agency, data=data)
        return self.created(collection)

    def partial_update(self, request, pk=None):
        with self.changing() as collection:
            collection = services.collection_update(
                principal=request.user, collection=collection, data=self.body()
            )
        return self.respond(self.represent(collection))

    def destroy(self, request, pk=None):
        with self.changing() as collection:
            services.collection_delete(principal=request.user, collection=collection)
        return self.respond(None, status=204)


# -- resumable uploads (tus 1.0) -------------------------------------------------------------------


def _tus_metadata(header: str | None) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    metadata: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode() if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "Upload-Metadata",
                        "invalid_metadata",
                        f"Nilai {key!r} bukan base64 UTF-8.",
                        f"The value of {key!r} is not base64-encoded UTF-8.",
                    )
                ]
            ) from None
        if "\x00" in value:
            raise nul_character(f"Upload-Metadata.{key}")
        metadata[key] = value
    return metadata


def _header_int(request, name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise ValidationFailed(
            errors=[
                FieldError(
                    name,
                    "invalid_header",
                    f"Header {name} wajib berupa bilangan bulat.",
                    f"The {name} header must be a non-negative integer.",
                )
            ]
        )
    return int(raw)


def _content_length(request) -> int:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "Content-Length",
                    "invalid_header",
                    "Content-Length tidak valid.",
                    "Content-Length is not valid.",
                )
            ]
        )
    return length


class MediaUploadViewSet(viewsets.ViewSet):
    """Resumable uploads, tus 1.0: core, creation (with upload), termination, checksum, expiration.

    Create with ``POST`` (``Upload-Length``, optional ``Upload-Metadata`` with
    ``filename`` and asset fields), send bytes with ``PATCH`` at
    ``Upload-Offset``, ask ``HEAD`` where to resume after a broken connection.
    When the last byte arrives the file is validated and becomes an asset
    (header ``X-Simpul-Asset``; ``GET`` on the upload also tells).
    """

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser, TusBodyParser]
    lookup_value_regex = r"[0-9a-f-]{36}"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = TUS_VERSION
        response["Cache-Control"] = "no-store"
        return response

    def _require_tus(self, request) -> None:
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise PreconditionFailed(
                "Header Tus-Resumable: 1.0.0 wajib dikirim.",
                "Send the header Tus-Resumable: 1.0.0.",
                code="tus_version",
                headers={"Tus-Version": TUS_VERSION},
            )

    def _location(self, request, upload) -> str:
        return request.build_absolute_uri(f"/api/v1/media/uploads/{upload.pk}/")

    @extend_schema(
        summary="tus discovery: version, extensions, maximum size", responses={204: None}
    )
    def options(self, request, *args, **kwargs):
        from django.conf import settings

        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = "creation,creation-with-upload,termination,checksum,expiration"
        response["Tus-Checksum-Algorithm"] = ",".join(CHECKSUM_ALGORITHMS)
        response["Tus-Max-Size"] = str(settings.HUB_MEDIA_MAX_RESUMABLE)
        return response

    @extend_schema(
        summary="Start a resumable upload (tus creation, with its first bytes if sent)",
        request={"application/offset+octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("Tus-Resumable", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Length", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Metadata", str, OpenApiParameter.HEADER),
            OpenApiParameter(
                "Upload-Checksum",
                str,
                OpenApiParameter.HEADER,
                description="Of the bytes sent with the request (creation-with-upload); "
                "bytes that do not match are not kept (Upload-Offset 0).",
            ),
            OpenApiParameter("agency", str, description="Owning agency's slug"),
        ],
        responses={201: None, 413: None, 415: None, 422: None, 503: None},
    )
    def create(self, request):
        self._require_tus(request)
        length = _header_int(request, "Upload-Length")
        metadata = _tus_metadata(request.headers.get("Upload-Metadata"))
        agency = services.upload_agency(
            request.user, request.GET.get("agency") or metadata.pop("agency", None)
        )
        with_data = request.content_type == TUS_BODY
        checksum = Checksum.parse(request.headers.get("Upload-Checksum")) if with_data else None
        body_length = _content_length(request) if with_data else 0
        upload = services.upload_begin(
            principal=request.user, agency=agency, length=length, metadata=metadata
        )
        if body_length:
            # creation-with-upload: the first bytes come with the request that
            # creates the upload. Bytes that do not match their checksum are not
            # kept; the client learns where to resume (0) and goes on with PATCH.
            with contextlib.suppress(ChecksumMismatch):
                upload = services.upload_append(
                    principal=request.user,
                    upload_id=upload.pk,
                    offset=0,
                    body=BodyChunks(request._request, body_length),
                    checksum=checksum,
                )
        response = self._progress(upload, HttpResponse(status=201))
        response["Location"] = self._location(request, upload)
        return response

    @extend_schema(
        summary="Where an upload stands (HEAD: tus offset; GET: JSON with the asset once done)",
        responses={200: OpenApiTypes.OBJECT},
    )
    def retrieve(self, request, pk=None):
        upload = selectors.upload_get(request.user, pk)
        if request.method == "HEAD":
            self._require_tus(request)
            response = HttpResponse(status=200)
        else:
            response = HttpResponse(
                JSONRenderer().render(_upload_body(upload)), content_type="application/json"
            )
        # A client whose last PATCH got no answer learns the asset here.
        response = self._progress(upload, response)
        response["Upload-Length"] = str(upload.length)
        return response

    @extend_schema(
        summary="Send bytes at Upload-Offset (tus core)",
        request={"application/offset+octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("Tus-Resumable", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(
                "Upload-Checksum",
                str,
                OpenApiParameter.HEADER,
                description="`<algorithm> <base64 digest>` of this body (tus checksum); "
                "a body that does not match is not kept (460 checksum_mismatch).",
            ),
        ],
        responses={204: None, 413: None, 415: None, 422: None, 460: None, 503: None},
    )
    def partial_update(self, request, pk=None):
        self._require_tus(request)
        if request.content_type != TUS_BODY:
            raise UnsupportedMediaType(
                "PATCH tus memerlukan Content-Type application/offset+octet-stream.",
                "A tus PATCH needs Content-Type application/offset+octet-stream.",
                code="tus_content_type",
            )
        offset = _header_int(request, "Upload-Offset")
        length = _content_length(request)
        upload = services.upload_append(
            principal=request.user,
            upload_id=pk,
            offset=offset,
            body=BodyChunks(request._request, length),
            checksum=Checksum.parse(request.headers.get("Upload-Checksum")),
        )
        return self._progress(upload, HttpResponse(status=204))

    @staticmethod
    def _progress(upload, response: HttpResponse) -> HttpResponse:
        """Where `upload` stands, in the headers of `response` (and its asset once done)."""
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
        if upload.asset_id:
            response["X-Simpul-Asset"] = str(upload.asset_id)
            response["X-Simpul-Duplicate"] = "true" if upload.duplicate else "false"
        return response

    @extend_schema(summary="Abandon an upload (tus termination)", responses={204: None})
    def destroy(self, request, pk=None):
        self._require_tus(request)
        services.upload_terminate(principal=request.user, upload_id=pk)
        return HttpResponse(status=204)


def _upload_body(upload) -> dict[str, Any]:
    return {
        "id": str(upload.pk),
        "agency": upload.agency.slug,
        "offset": upload.offset,
        "length": upload.length,
        "status": upload.status,
        "status_detail": upload.status_detail,
        "asset": upload.asset_id,
        "duplicate": upload.duplicate,
        "expires_at": upload.expires_at,
    }


__all__ = [
    "MediaAssetViewSet",
    "MediaCollectionViewSet",
    "MediaUploadViewSet",
    "media_public_file",
    "media_signed_file",
]
