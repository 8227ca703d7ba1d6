"""Write services of the media store: uploads, metadata, publishing, deletion, processing.

Each service is keyword-only and checks the policy before it reads a byte of
an upload. Database writes, their audit entry and their change event share one
transaction. Storage effects are ordered so that a failure never leaves a row
without its bytes: bytes are written first (invisible until complete), adopted
as the blob of their content address while that blob's row is locked, and only
then is the asset row committed. Blobs are removed only by the ``blob_collect``
job, deferred in the transaction that dropped the last reference and therefore
run after it commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.exceptions import AlreadyEnqueued

from agencies import policy
from agencies.models import Agency
from agencies.policy import Principal
from hub.audit import audit_record
from hub.changes import change_record
from hub.dates import INVALID_DATETIME, YEARS, parse_date, parse_datetime
from hub.errors import (
    ChecksumMismatch,
    Conflict,
    FieldError,
    HubError,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
    check_version,
)
from media_store import processing
from media_store.delivery import original_location
from media_store.files import safe_filename, title_from_filename
from media_store.inspect import RASTER, too_large
from media_store.models import (
    AgencyUsage,
    Blob,
    Collection,
    MediaAsset,
    MediaUpload,
    Rendition,
)
from media_store.selectors import agency_usage, media_quota, upload_get
from media_store.storage import (
    ObjectMissing,
    Storage,
    get_storage,
    original_key,
    rendition_key,
)
from media_store.uploads import (
    MULTIPART_OVERHEAD,
    BodyChunks,
    Checksum,
    MultipartBody,
    Receiver,
    StagedUpload,
    read_all,
)

log = logging.getLogger(__name__)

SYSTEM = "system:media-worker"
ASSET_FIELDS = {
    "title",
    "description",
    "alt_text",
    "language",
    "tags",
    "license",
    "credit",
    "copyright_holder",
    "captured_at",
    "visibility",
    "contains_identifiable_people",
    "contains_minors",
    "legal_basis",
    "legal_basis_reference",
    "embargo_until",
    "focal_x",
    "focal_y",
    "collections",
}
CREATE_ONLY_FIELDS = {"replaces"}
FORM_LIST_FIELDS = {"tags", "collections"}
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
MAX_TAGS = 50
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def _error(field: str, code: str, message_id: str, message_en: str) -> FieldError:
    return FieldError(field, code, message_id, message_en)


# -- representations recorded in the audit log and the change feed ------------------------


def asset_snapshot(asset: MediaAsset) -> dict[str, Any]:
    """The asset's fields as recorded in audit entries."""
    return {
        "id": asset.pk,
        "agency": asset.agency_id,
        "title": asset.title,
        "description": asset.description,
        "alt_text": asset.alt_text,
        "language": asset.language,
        "tags": list(asset.tags),
        "license": asset.license,
        "credit": asset.credit,
        "copyright_holder": asset.copyright_holder,
        "captured_at": asset.captured_at,
        "kind": asset.kind,
        "mime": asset.mime,
        "size": asset.size,
        "sha256": asset.sha256,
        "original_filename": asset.original_filename,
        "status": asset.status,
        "visibility": asset.visibility,
        "contains_identifiable_people": asset.contains_identifiable_people,
        "contains_minors": asset.contains_minors,
        "legal_basis": asset.legal_basis,
        "legal_basis_reference": asset.legal_basis_reference,
        "embargo_until": asset.embargo_until,
        "focal_point": [asset.focal_x, asset.focal_y],
        "published_at": asset.published_at,
        "replaces": asset.replaces_id,
        "version": asset.version,
    }


def asset_summary(asset: MediaAsset) -> dict[str, Any]:
    """What the change feed says about an asset: enough to decide whether to fetch it."""
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "status": asset.status,
        "visibility": asset.visibility,
        "published": asset.published_at is not None,
        "sha256": asset.sha256,
        "version": asset.version,
    }


def _record(
    asset: MediaAsset, *, action: str, change: str, before=None, principal=None, actor=None
):
    _audit(asset, action=action, before=before, principal=principal, actor=actor)
    _change(asset, change=change)


def _audit(asset: MediaAsset, *, action: str, before=None, principal=None, actor=None) -> None:
    audit_record(
        action=f"media.{action}",
        entity="media_asset",
        entity_id=asset.pk,
        before=before,
        after=asset_snapshot(asset),
        principal=principal,
        actor=actor,
    )


def _change(asset: MediaAsset, *, change: str) -> None:
    change_record(
        entity="media_asset",
        entity_id=asset.pk,
        action=change,
        version=asset.version,
        agency_id=asset.agency_id,
        data=asset_summary(asset) if change != "deleted" else {"id": asset.pk, "deleted": True},
    )


# -- input ---------------------------------------------------------------------------------


def form_data(fields: dict[str, list[str]]) -> dict[str, Any]:
    """Multipart form fields as service input: lists for list fields, else the last value."""
    data: dict[str, Any] = {}
    for name, values in fields.items():
        if name in FORM_LIST_FIELDS:
            data[name] = [part.strip() for v in values for part in v.split(",") if part.strip()]
        else:
            data[name] = values[-1] if values else ""
    return data


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _as_datetime(value: Any) -> datetime | None | str:
    """A datetime, None for empty, or the string "invalid"."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
        if parsed.year not in YEARS:
            return "invalid"
    elif isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            day = parse_date(value.strip())
            if day is None:
                return "invalid"
            parsed = datetime(day.year, day.month, day.day)
    else:
        return "invalid"
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _clean_asset(
    data: dict[str, Any], *, agency_id: int, instance: MediaAsset | None, creating: bool
) -> dict[str, Any]:
    """Validate asset metadata; return model-ready values (``collections`` as a list)."""
    errors: list[FieldError] = []
    allowed = ASSET_FIELDS | (CREATE_ONLY_FIELDS if creating else set())
    for name in sorted(set(data) - allowed):
        errors.append(_error(name, "unknown_field", "Kolom tidak dikenal.", "Unknown field."))
    values: dict[str, Any] = {}

    for name, limit in (
        ("title", 300),
        ("description", 10000),
        ("alt_text", 1000),
        ("license", 100),
        ("credit", 300),
        ("copyright_holder", 300),
        ("legal_basis_reference", 300),
    ):
        if name not in data:
            continue
        raw = data[name]
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            errors.append(_error(name, "invalid_type", "Harus berupa teks.", "Must be text."))
        elif len(raw.strip()) > limit:
            errors.append(
                _error(
                    name,
                    "too_long",
                    f"Paling banyak {limit} karakter.",
                    f"At most {limit} characters.",
                )
            )
        elif name in ("title", "license") and not raw.strip():
            errors.append(_error(name, "required", "Wajib diisi.", "This field is required."))
        else:
            values[name] = raw.strip()

    if "language" in data:
        raw = data["language"]
        if not isinstance(raw, str) or not LANGUAGE_RE.match(raw.strip()):
            errors.append(
                _error(
                    "language",
                    "invalid_language",
                    "Kode bahasa BCP 47 tidak valid (mis. id, en, jv).",
                    "Not a BCP 47 language tag (e.g. id, en, jv).",
                )
            )
        else:
            values["language"] = raw.strip()

    if "tags" in data:
        raw = data["tags"]
        if isinstance(raw, str):
            raw = raw.split(",")
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            errors.append(
                _error("tags", "invalid_type", "Harus daftar teks.", "Must be a list of text.")
            )
        else:
            tags = list(dict.fromkeys(t.strip() for t in raw if t.strip()))
            if len(tags) > MAX_TAGS or any(len(t) > 50 for t in tags):
                errors.append(
                    _error(
                        "tags",
                        "too_many_tags",
                        f"Paling banyak {MAX_TAGS} tag, masing-masing 50 karakter.",
                        f"At most {MAX_TAGS} tags of 50 characters each.",
                    )
                )
            else:
                values["tags"] = tags

    for name in ("captured_at", "embargo_until"):
        if name in data:
            parsed = _as_datetime(data[name])
            if parsed == "invalid":
                errors.append(
                    _error(
                        name,
                        "invalid_datetime",
                        *INVALID_DATETIME,
                    )
                )
            else:
                values[name] = parsed

    if "visibility" in data:
        if data["visibility"] not in MediaAsset.Visibility.values:
            errors.append(
                _error(
                    "visibility",
                    "invalid_choice",
                    "Pilihan: public, agencies, agency.",
                    "Choose public, agencies or agency.",
                )
            )
        else:
            values["visibility"] = data["visibility"]

    for name in ("contains_identifiable_people", "contains_minors"):
        if name in data:
            flag = _as_bool(data[name])
            if flag is None:
                errors.append(
                    _error(name, "invalid_type", "Harus true atau false.", "Must be true or false.")
                )
            else:
                values[name] = flag

    if "legal_basis" in data:
        raw = data["legal_basis"] or ""
        if raw and raw not in MediaAsset.LegalBasis.values:
            errors.append(
                _error(
                    "legal_basis",
                    "invalid_choice",
                    "Dasar hukum tidak dikenal. Pilihan: "
                    + ", ".join(MediaAsset.LegalBasis.values),
                    "Unknown legal basis. Choose from: " + ", ".join(MediaAsset.LegalBasis.values),
                )
            )
        else:
            values["legal_basis"] = raw

    for name in ("focal_x", "focal_y"):
        if name in data:
            try:
                number = float(data[name])
            except (TypeError, ValueError):
                number = -1.0
            if not 0.0 <= number <= 1.0:
                errors.append(
                    _error(
                        name,
                        "invalid_focal_point",
                        "Titik fokus adalah pecahan 0–1 dari lebar/tinggi.",
                        "The focal point is a fraction 0–1 of the width/height.",
                    )
                )
            else:
                values[name] = number

    if "collections" in data:
        raw = data["collections"]
        ids = []
        if isinstance(raw, list):
            for item in raw:
                with contextlib.suppress(TypeError, ValueError):
                    ids.append(int(item))
        found = set(
            Collection.objects.filter(pk__in=ids, agency_id=agency_id).values_list("pk", flat=True)
        )
        if not isinstance(raw, list) or len(ids) != len(raw) or found != set(ids):
            errors.append(
                _error(
                    "collections",
                    "unknown_collection",
                    "Album tidak ada atau bukan milik instansi ini.",
                    "No such collection in this agency.",
                )
            )
        else:
            values["collections"] = sorted(found)

    if "replaces" in data and data["replaces"] not in (None, ""):
        try:
            previous = MediaAsset.objects.filter(
                pk=int(data["replaces"]), agency_id=agency_id
            ).first()
        except (TypeError, ValueError):
            previous = None
        if previous is None:
            errors.append(
                _error(
                    "replaces",
                    "unknown_asset",
                    "Aset yang diganti tidak ada di instansi ini.",
                    "The replaced asset does not exist in this agency.",
                )
            )
        else:
            values["replaces"] = previous

    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _publishing_errors(asset: MediaAsset) -> list[FieldError]:
    """Why this asset may not be (or stay) published; empty when it may."""
    errors = []
    if asset.kind == MediaAsset.Kind.IMAGE and not asset.alt_text.strip():
        errors.append(
            _error(
                "alt_text",
                "alt_text_required",
                "Gambar wajib memiliki teks alternatif sebelum diterbitkan.",
                "An image needs alt text before it is published.",
            )
        )
    needs_basis = asset.contains_identifiable_people or asset.contains_minors
    if needs_basis and not (asset.legal_basis and asset.legal_basis_reference.strip()):
        errors.append(
            _error(
                "legal_basis",
                "legal_basis_required",
                "Aset yang memuat orang yang dapat dikenali memerlukan dasar hukum pemrosesan "
                "dan rujukan dokumennya (UU PDP) sebelum diterbitkan.",
                "An asset showing identifiable people needs a recorded legal basis and its "
                "document reference (UU PDP) before it is published.",
            )
        )
    elif asset.contains_minors and asset.legal_basis != MediaAsset.LegalBasis.GUARDIAN_CONSENT:
        errors.append(
            _error(
                "legal_basis",
                "guardian_consent_required",
                "Aset yang memuat anak memerlukan persetujuan orang tua/wali (UU PDP Pasal 25).",
                "An asset showing minors needs a parent's or guardian's consent (UU PDP art. 25).",
            )
        )
    return errors


# -- agencies and quotas ---------------------------------------------------------------------


def upload_agency(principal: Principal, slug: str | None) -> Agency:
    """The agency an upload is for: the named one, or the caller's only uploading agency."""
    policy.require_authenticated(principal)
    if slug:
        agency = Agency.objects.filter(slug=slug, status=Agency.Status.ACTIVE).first()
        if agency is None:
            raise ValidationFailed(
                errors=[
                    _error("agency", "unknown_agency", "Instansi tidak ada.", "No such agency.")
                ]
            )
        return agency
    candidates = sorted(
        agency_id
        for agency_id in principal.agency_ids
        if policy.may(principal, policy.CREATE, MediaAsset, agency_id)
    )
    if not candidates and len(principal.agency_ids) == 1:
        # The caller's only agency: the policy will say whether it may upload there.
        candidates = list(principal.agency_ids)
    if not candidates and not principal.is_platform_admin:
        raise PermissionDenied()
    if len(candidates) != 1:
        raise ValidationFailed(
            errors=[
                _error(
                    "agency",
                    "agency_required",
                    "Sebutkan instansi pemilik (agency=slug).",
                    "Name the owning agency (agency=slug).",
                )
            ]
        )
    return Agency.objects.get(pk=candidates[0])


def lock_agency_usage(agency_id: int) -> int:
    """Take the agency's upload lock (its usage row) until the transaction ends; its usage.

    Uploads of one agency pass here one at a time: the quota cannot be
    overshot by a race. Other agencies' uploads do not wait.
    """
    usage = AgencyUsage.objects.select_for_update().filter(agency_id=agency_id)
    used = usage.values_list("bytes", flat=True).first()
    if used is None:  # the agency's first asset: make its row (a concurrent first upload may too)
        AgencyUsage.objects.bulk_create([AgencyUsage(agency_id=agency_id)], ignore_conflicts=True)
        used = usage.values_list("bytes", flat=True).get()
    return used


def quota_exceeded(quota: int, used: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        "Kuota penyimpanan media instansi terlampaui.",
        "The agency's media storage quota is exceeded.",
        code="quota_exceeded",
        extra={"quota": quota, "used": used},
    )


def _check_quota(used: int, incoming: int) -> None:
    quota = media_quota()
    if quota is not None and used + incoming > quota:
        raise quota_exceeded(quota, used)


# -- blobs ------------------------------------------------------------------------------------


def _blob_lock(
    key: str, *, role: str, sha256: str, size: int, mime: str, location: str
) -> tuple[Blob, bool]:
    """Lock the row of blob `key` until the transaction ends, creating it if missing.

    Returns ``(blob, created)``; a new row points at `location`.
    """
    # Insert first: new content (the common case) takes one statement. A row
    # another transaction is inserting makes this wait for it, then do nothing.
    blob = Blob(key=key, location=location, role=role, sha256=sha256, size=size, mime=mime)
    blob.created_at = timezone.now()
    table = Blob._meta.db_table
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, location, role, sha256, size, mime, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING key",
                [key, location, role, sha256, size, mime, blob.created_at],
            )
            if cursor.fetchone() is not None:
                blob._state.adding = False
                return blob, True
        existing = Blob.objects.select_for_update().filter(key=key).first()
        if existing is not None:
            return existing, False
        # Collected (blob_collect) between the two statements: insert it again.


def _defer_collect(keys) -> None:
    from media_store.tasks import blob_collect as job

    for key in sorted(set(keys)):
        job.defer(key=key)


def _defer_process(asset_id: int, *, new: bool = False) -> None:
    """Queue processing of an asset; a job already waiting for it will do.

    A `new` asset cannot have one yet, so no savepoint is needed to survive
    the queueing lock's conflict.
    """
    from media_store.tasks import asset_process as job

    if new:
        job.configure(queueing_lock=f"media-asset-{asset_id}").defer(asset_id=asset_id)
        return
    try:
        with transaction.atomic():
            job.configure(queueing_lock=f"media-asset-{asset_id}").defer(asset_id=asset_id)
    except AlreadyEnqueued:
        pass  # a pending job will process the asset as it is when it runs


def blob_references(blob: Blob) -> int:
    """How many live assets or renditions need this blob."""
    if blob.role == Blob.Role.ORIGINAL:
        return MediaAsset.objects.filter(sha256=blob.sha256).count()
    fmt = "jpeg" if blob.key.endswith(".jpeg") else "webp"
    return Rendition.objects.filter(sha256=blob.sha256, format=fmt).count()


def blob_collect(*, key: str, storage: Storage | None = None) -> bool:
    """Delete blob `key` from storage and the database if nothing refers to it.

    Never deletes a referenced blob: the references are counted while the blob
    row is locked, and every writer that adds a reference holds the same lock.
    Returns whether the blob was removed.
    """
    storage = storage or get_storage()
    with transaction.atomic():
        blob = Blob.objects.select_for_update().filter(key=key).first()
        if blob is None or blob_references(blob):
            return False
        storage.delete(blob.location)
        blob.delete()
    return True


# -- uploads ----------------------------------------------------------------------------------


def _receive_limit() -> int:
    return settings.HUB_MEDIA_MAX_UPLOAD


def asset_upload(
    *,
    principal: Principal,
    agency: Agency,
    body: MultipartBody,
    while_storing: Callable[[MediaAsset], None] | None = None,
) -> tuple[MediaAsset, bool]:
    """Receive a multipart upload and store it as an asset of `agency`.

    Permission and the declared size are checked before the body is read. The
    file streams to storage while it is hashed and inspected; anything refused
    leaves no row and no object behind. Returns ``(asset, created)``: identical
    bytes already uploaded by this agency answer the existing asset.
    `while_storing` is as for :func:`asset_store`.
    """
    policy.check_create(principal, MediaAsset, agency.pk)
    limit = _receive_limit()
    if body.content_length > limit + MULTIPART_OVERHEAD:
        raise too_large(limit)
    _check_quota(agency_usage(agency.pk), max(0, body.content_length - MULTIPART_OVERHEAD))
    storage = get_storage()
    fields, staged = body.receive(lambda: Receiver(storage=storage, limit=limit))
    try:
        return asset_store(
            principal=principal,
            agency=agency,
            staged=staged,
            data=form_data(fields),
            while_storing=while_storing,
        )
    finally:
        staged.discard()  # unless the asset adopted the bytes


def asset_upload_stream(
    *,
    principal: Principal,
    agency: Agency,
    chunks,
    filename: str,
    data: dict[str, Any] | None = None,
) -> tuple[MediaAsset, bool]:
    """Store bytes given as an iterable of chunks (command line, demo, imports) as an asset.

    Exactly the checks and effects of an HTTP upload, without the HTTP.
    """
    policy.check_create(principal, MediaAsset, agency.pk)
    limit = _receive_limit()
    receiver = Receiver(storage=get_storage(), limit=limit)
    read_all(chunks, receiver)
    staged = receiver.finish(safe_filename(filename))
    try:
        return asset_store(principal=principal, agency=agency, staged=staged, data=dict(data or {}))
    finally:
        staged.discard()  # unless the asset adopted the bytes


def asset_store(
    *,
    principal: Principal,
    agency: Agency,
    staged: StagedUpload,
    data: dict[str, Any],
    while_storing: Callable[[MediaAsset], None] | None = None,
) -> tuple[MediaAsset, bool]:
    """Turn received bytes into an asset: metadata, quota, dedup, content address, row.

    One transaction: the asset row, its audit entry, change event and
    processing job are committed together, after the bytes are in place.
    `while_storing(asset)` runs inside that transaction, once the new asset's
    rows are written and while its object may still be completing: read-only
    work the caller would otherwise do after the commit (rendering its answer).
    Whatever it computed is void if the call then raises.
    """
    policy.check_create(principal, MediaAsset, agency.pk)
    values = _clean_asset(data, agency_id=agency.pk, instance=None, creating=True)
    inspection = staged.inspection
    collections = values.pop("collections", [])
    with transaction.atomic():
        used = lock_agency_usage(agency.pk)
        existing = MediaAsset.objects.filter(agency=agency, sha256=inspection.sha256).first()
        if existing is not None:
            return existing, False
        _check_quota(used, inspection.size)
        key = original_key(inspection.sha256)
        blob, created = _blob_lock(
            key,
            role=Blob.Role.ORIGINAL,
            sha256=inspection.sha256,
            size=inspection.size,
            mime=inspection.mime,
            location=staged.temp_key,
        )
        # Identical bytes already stored (by any agency) are reused and the new
        # copy is discarded; a blob whose object went missing is re-homed here.
        adopted = created or staged.storage.stat(blob.location) is None
        if adopted:
            location = staged.storage.promote(staged.temp_key, key)
            if location != blob.location:
                Blob.objects.filter(key=key).update(location=location)
        values.setdefault("title", title_from_filename(staged.filename))
        values.setdefault("license", settings.HUB_MEDIA_LICENSE)
        asset = MediaAsset.objects.create(
            agency=agency,
            uploaded_by=principal.label,
            kind=inspection.kind,
            mime=inspection.mime,
            original_filename=staged.filename,
            size=inspection.size,
            sha256=inspection.sha256,
            width=inspection.width,
            height=inspection.height,
            **values,
        )
        if collections:
            asset.collections.set(collections)
        _change(asset, change="created")
        _defer_process(asset.pk, new=True)
        if while_storing is not None:
            while_storing(asset)
        # The object may still be completing (see Receiver.finish): nothing that
        # refers to it commits before it is complete, and a failure rolls back.
        # The audit entry comes after: its chain lock is not held while waiting.
        staged.wait()
        _audit(asset, action="upload", principal=principal)
    # Only now is the object referenced by committed rows; had anything failed,
    # the caller's discard would remove it again.
    staged.adopted = adopted
    return asset, True


# -- resumable uploads (tus 1.0) ------------------------------------------------------------------

TUS_METADATA_FIELDS = ASSET_FIELDS | CREATE_ONLY_FIELDS


def upload_begin(
    *, principal: Principal, agency: Agency, length: int, metadata: dict[str, str]
) -> MediaUpload:
    """Open a resumable upload of `length` bytes for `agency`.

    The size limit, the quota and the metadata are checked now, so a client
    learns before sending gigabytes that the upload would be refused.
    """
    policy.check_create(principal, MediaAsset, agency.pk)
    limit = settings.HUB_MEDIA_MAX_RESUMABLE
    if length > limit:
        raise too_large(limit)
    if length <= 0:
        raise ValidationFailed(
            errors=[
                _error(
                    "Upload-Length",
                    "invalid_length",
                    "Upload-Length harus bilangan bulat positif.",
                    "Upload-Length must be a positive integer.",
                )
            ]
        )
    _check_quota(agency_usage(agency.pk), length)
    filename = safe_filename(metadata.get("filename") or metadata.get("name") or "")
    # Other keys tus clients send on their own (filetype, relativePath…) are hints
    # the hub does not use: the type is sniffed from the bytes.
    fields = {key: value for key, value in metadata.items() if key in TUS_METADATA_FIELDS}
    _clean_asset(
        form_data({key: [value] for key, value in fields.items()}),
        agency_id=agency.pk,
        instance=None,
        creating=True,
    )
    upload_id = uuid.uuid4()
    state = get_storage().resumable_begin(str(upload_id))
    return MediaUpload.objects.create(
        id=upload_id,
        agency=agency,
        created_by=principal.label,
        length=length,
        metadata={"filename": filename, "fields": fields},
        state=state,
        expires_at=timezone.now() + timedelta(hours=settings.HUB_MEDIA_UPLOAD_EXPIRY_HOURS),
    )


@contextlib.contextmanager
def _upload_lock(upload: MediaUpload) -> Iterator[None]:
    """Only one request at a time may write to an upload (a session lock, no open transaction)."""
    key = int.from_bytes(upload.id.bytes[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise Conflict(
            "Unggahan ini sedang menerima data dari permintaan lain.",
            "Another request is writing to this upload.",
            code="upload_locked",
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def upload_append(
    *,
    principal: Principal,
    upload_id,
    offset: int,
    body: BodyChunks,
    checksum: Checksum | None = None,
) -> MediaUpload:
    """Append a request body at `offset` (which must be the current offset).

    Bytes that arrive before a dropped connection are kept and counted. With a
    `checksum` (tus checksum extension) the body counts only whole and
    matching: otherwise nothing of it is kept (460 ``checksum_mismatch``) and
    the client sends it again from the same offset. When the last byte arrives
    the upload is finalised into an asset (see :func:`upload_finish`).
    """
    upload = upload_get(principal, upload_id)
    with _upload_lock(upload):
        upload.refresh_from_db()
        if upload.status != MediaUpload.Status.RECEIVING:
            raise Conflict(
                "Unggahan sudah selesai.", "The upload is already finished.", code="upload_finished"
            )
        if offset != upload.offset:
            raise Conflict(
                "Upload-Offset tidak sesuai dengan data yang sudah diterima.",
                "Upload-Offset does not match the bytes received so far.",
                code="offset_mismatch",
                extra={"offset": upload.offset},
            )
        if offset + body.length > upload.length:
            raise PayloadTooLarge(
                "Data melebihi Upload-Length.",
                "The data goes beyond Upload-Length.",
                code="upload_overflow",
            )
        storage = get_storage()
        hasher = checksum.hasher() if checksum is not None else None
        if body.length:
            new_offset, state = storage.resumable_append(
                str(upload.pk), upload.state, offset, _hashing(iter(body), hasher)
            )
            if not _checksum_matches(checksum, hasher, body):
                # Not recorded, so not kept: the stored offset and state still
                # name what was acknowledged before; drop what this body stored.
                storage.resumable_cleanup(str(upload.pk), upload.state)
                raise ChecksumMismatch()
            MediaUpload.objects.filter(pk=upload.pk).update(
                offset=new_offset, state=state, updated_at=timezone.now()
            )
            upload.offset, upload.state = new_offset, state
            storage.resumable_cleanup(str(upload.pk), state)
        elif not _checksum_matches(checksum, hasher, body):
            raise ChecksumMismatch()
        if upload.offset == upload.length and not body.interrupted:
            upload_finish(principal=principal, upload=upload)
    return upload


def _hashing(chunks: Iterator[bytes], hasher) -> Iterator[bytes]:
    for chunk in chunks:
        if hasher is not None:
            hasher.update(chunk)
        yield chunk


def _checksum_matches(checksum: Checksum | None, hasher, body: BodyChunks) -> bool:
    """Whether the whole body came and hashes to the client's checksum (if it sent one)."""
    if checksum is None:
        return True
    return not body.interrupted and hasher.digest() == checksum.digest


def upload_finish(*, principal: Principal, upload: MediaUpload) -> MediaUpload:
    """Assemble, hash, inspect and store a fully received upload as an asset.

    The assembled bytes are read back once to compute the SHA-256 (the hash of
    a multi-request upload cannot be carried across requests) and to validate
    them exactly as a direct upload is validated. A refused file marks the
    upload failed and leaves nothing in storage; a storage outage leaves it
    complete-but-unfinished, and the next PATCH (of zero bytes) finishes it.
    """
    storage = get_storage()
    state = dict(upload.state)
    temp_key = state.get("assembled")
    if not temp_key:
        temp_key = storage.resumable_complete(str(upload.pk), state)
        state["assembled"] = temp_key
        MediaUpload.objects.filter(pk=upload.pk).update(state=state)
        upload.state = state
    filename = upload.metadata.get("filename", "")
    fields = upload.metadata.get("fields", {})
    try:
        receiver = Receiver(storage=None, limit=upload.length)
        read_all(storage.read(temp_key), receiver)
        inspection = receiver.finish(filename)
        staged = StagedUpload(storage, temp_key, inspection, filename)
        asset, created = asset_store(
            principal=principal,
            agency=upload.agency,
            staged=staged,
            data=form_data({key: [value] for key, value in fields.items()}),
        )
    except HubError as exc:
        if exc.status != 503:
            MediaUpload.objects.filter(pk=upload.pk).update(
                status=MediaUpload.Status.FAILED, status_detail=exc.code
            )
            upload.status = MediaUpload.Status.FAILED
            StagedUpload(storage, temp_key, None, filename).discard()
        raise
    staged.discard()  # unless the asset adopted the bytes
    MediaUpload.objects.filter(pk=upload.pk).update(
        status=MediaUpload.Status.COMPLETE, asset=asset, duplicate=not created
    )
    upload.status, upload.asset, upload.duplicate = MediaUpload.Status.COMPLETE, asset, not created
    return upload


def upload_terminate(*, principal: Principal, upload_id) -> None:
    """Abandon an upload: its bytes are discarded and it cannot be resumed."""
    upload = upload_get(principal, upload_id)
    with _upload_lock(upload):
        get_storage().resumable_abort(str(upload.pk), upload.state)
        upload.delete()


# -- metadata, publishing, deletion ------------------------------------------------------------


@transaction.atomic
def asset_update(
    *,
    principal: Principal,
    asset: MediaAsset,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> MediaAsset:
    """Change an asset's metadata. A new focal point re-renders the crops.

    A published asset must keep satisfying the publishing rules (alt text,
    legal basis): a change that would break them is refused.
    """
    policy.check(principal, policy.CHANGE, asset)
    asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
    check_version(asset.version, expected_version)
    before = asset_snapshot(asset)
    values = _clean_asset(data, agency_id=asset.agency_id, instance=asset, creating=False)
    collections = values.pop("collections", None)
    refocus = any(
        name in values and values[name] != getattr(asset, name) for name in ("focal_x", "focal_y")
    )
    for name, value in values.items():
        setattr(asset, name, value)
    if asset.published_at is not None:
        errors = _publishing_errors(asset)
        if errors:
            raise ValidationFailed(errors=errors)
    asset.version += 1
    asset.save()
    if collections is not None:
        asset.collections.set(collections)
    _record(asset, action="update", change="updated", before=before, principal=principal)
    if refocus and asset.status == MediaAsset.Status.READY:
        _defer_process(asset.pk)
    return asset


@transaction.atomic
def asset_publish(
    *, principal: Principal, asset: MediaAsset, expected_version: int | None = None
) -> MediaAsset:
    """Publish a ready asset to the agencies (or the public) its visibility names.

    Requires the publish right (verifiers), alt text for images and, for
    assets showing identifiable people or minors, a recorded legal basis.
    """
    policy.check(principal, policy.PUBLISH, asset)
    asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
    check_version(asset.version, expected_version)
    if asset.status != MediaAsset.Status.READY:
        raise Conflict(
            "Aset belum siap diterbitkan.",
            "The asset is not ready to be published.",
            code="asset_not_ready",
            extra={"status": asset.status},
        )
    errors = _publishing_errors(asset)
    if errors:
        raise ValidationFailed(errors=errors)
    if asset.published_at is not None:
        return asset
    before = asset_snapshot(asset)
    asset.published_at = timezone.now()
    asset.published_by = principal.label
    asset.version += 1
    asset.save()
    _record(asset, action="publish", change="published", before=before, principal=principal)
    return asset


@transaction.atomic
def asset_unpublish(
    *, principal: Principal, asset: MediaAsset, expected_version: int | None = None
) -> MediaAsset:
    """Withdraw a published asset: only its own agency sees it again."""
    policy.check(principal, policy.PUBLISH, asset)
    asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
    check_version(asset.version, expected_version)
    if asset.published_at is None:
        return asset
    before = asset_snapshot(asset)
    asset.published_at = None
    asset.published_by = ""
    asset.version += 1
    asset.save()
    _record(asset, action="unpublish", change="withdrawn", before=before, principal=principal)
    return asset


@transaction.atomic
def asset_delete(
    *, principal: Principal, asset: MediaAsset, expected_version: int | None = None
) -> None:
    """Delete an asset: it disappears for everyone; its blobs are collected after commit.

    The row stays (status ``deleted``) for the audit trail. Another agency's
    asset with the same bytes keeps the shared blob alive.
    """
    policy.check(principal, policy.DELETE, asset)
    asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
    check_version(asset.version, expected_version)
    before = asset_snapshot(asset)
    keys = [original_key(asset.sha256)]
    keys += [rendition_key(r.sha256, r.format) for r in asset.renditions.all()]
    asset.renditions.all().delete()
    asset.status = MediaAsset.Status.DELETED
    asset.deleted_at = timezone.now()
    asset.published_at = None
    asset.version += 1
    asset.save()
    asset.collections.clear()
    _record(asset, action="delete", change="deleted", before=before, principal=principal)
    _defer_collect(keys)


# -- processing (background worker) ---------------------------------------------------------------


@contextlib.contextmanager
def _original_on_disk(storage: Storage, key: str) -> Iterator[Path]:
    """The original as a local file: the stored file itself, or a temporary download."""
    path = storage.local_path(key)
    if path is not None:
        if not path.exists():
            raise ObjectMissing(key)
        yield path
        return
    with tempfile.NamedTemporaryFile(prefix="simpul-media-") as handle:
        for chunk in storage.read(key):
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


def _process(asset: MediaAsset, storage: Storage) -> processing.Result:
    key = original_location(asset.sha256)
    focal = (asset.focal_x, asset.focal_y)
    max_pixels = settings.HUB_MEDIA_MAX_PIXELS
    if asset.kind in (MediaAsset.Kind.VIDEO, MediaAsset.Kind.AUDIO):
        path = storage.local_path(key)
        source = str(path) if path is not None else storage.tool_url(key)
        if path is not None and not path.exists():
            raise ObjectMissing(key)
        return processing.process_av(source, kind=asset.kind, focal=focal, max_pixels=max_pixels)
    with _original_on_disk(storage, key) as path:
        if asset.mime == "image/svg+xml":
            return processing.process_svg(path, focal=focal, width=asset.width, height=asset.height)
        if asset.mime in RASTER:
            return processing.process_image(path, focal=focal, max_pixels=max_pixels)
        if asset.mime == "application/pdf":
            return processing.process_pdf(path, focal=focal, max_pixels=max_pixels)
    raise processing.ProcessingFailed(f"no processing for {asset.mime}")


def asset_process(*, asset_id: int) -> MediaAsset | None:
    """Render an asset's renditions and record what its bytes reveal; mark it ready.

    Runs in the worker. A file that cannot be processed marks the asset
    rejected (with the reason); a storage outage raises, and the job is retried.
    Renditions are stored under their own content addresses, in the same
    transaction that records them; renditions no longer used are collected.
    """
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return None
    storage = get_storage()
    try:
        result = _process(asset, storage)
    except processing.ProcessingFailed as exc:
        return _asset_reject(asset_id, "unprocessable", str(exc))
    except ObjectMissing:
        return _asset_reject(asset_id, "original_missing", "the original is missing in storage")
    with transaction.atomic():
        asset = MediaAsset.all_objects.select_for_update().get(pk=asset_id)
        if asset.status == MediaAsset.Status.DELETED:
            return asset
        before = asset_snapshot(asset)
        old_keys = {rendition_key(r.sha256, r.format) for r in asset.renditions.all()}
        asset.renditions.all().delete()
        new_keys = set()
        for item in result.renditions:
            sha = hashlib.sha256(item.data).hexdigest()
            key = rendition_key(sha, item.format)
            _blob_lock(
                key,
                role=Blob.Role.RENDITION,
                sha256=sha,
                size=len(item.data),
                mime=processing.CONTENT_TYPES[item.format],
                location=key,
            )
            # Always written: identical bytes at a content address are harmless to
            # rewrite, and a rendition damaged in storage is healed this way.
            storage.put(key, item.data, processing.CONTENT_TYPES[item.format])
            Rendition.objects.create(
                asset=asset,
                name=item.name,
                format=item.format,
                width=item.width,
                height=item.height,
                size=len(item.data),
                sha256=sha,
            )
            new_keys.add(key)
        for name in ("width", "height", "duration", "pages"):
            value = getattr(result, name)
            if value is not None:
                setattr(asset, name, value)
        if result.kind:
            asset.kind = result.kind
        asset.phash = result.phash
        asset.phash_bits = processing.phash_bits(result.phash) if result.phash else None
        asset.status = MediaAsset.Status.READY
        asset.status_detail = ""
        asset.version += 1
        asset.save()
        _record(asset, action="process", change="updated", before=before, actor=SYSTEM)
        _defer_collect(old_keys - new_keys)
    return asset


def _asset_reject(asset_id: int, code: str, detail: str) -> MediaAsset | None:
    with transaction.atomic():
        asset = MediaAsset.all_objects.select_for_update().filter(pk=asset_id).first()
        if asset is None or asset.status == MediaAsset.Status.DELETED:
            return asset
        before = asset_snapshot(asset)
        asset.status = MediaAsset.Status.REJECTED
        asset.status_detail = f"{code}: {detail}"[:500]
        asset.published_at = None
        asset.version += 1
        asset.save()
        _record(asset, action="reject", change="updated", before=before, actor=SYSTEM)
    log.info("media asset %s rejected: %s", asset_id, detail)
    return asset


def asset_reprocess(*, asset_id: int) -> None:
    """Queue an asset for processing again (missing renditions), unless already queued."""
    with transaction.atomic():
        _defer_process(asset_id)


# -- collections -----------------------------------------------------------------------------------


def collection_snapshot(collection: Collection) -> dict[str, Any]:
    return {
        "id": collection.pk,
        "agency": collection.agency_id,
        "title": collection.title,
        "description": collection.description,
        "visibility": collection.visibility,
        "version": collection.version,
    }


def _clean_collection(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors = []
    for name in sorted(set(data) - {"title", "description", "visibility", "agency"}):
        errors.append(_error(name, "unknown_field", "Kolom tidak dikenal.", "Unknown field."))
    values: dict[str, Any] = {}
    if "title" in data or creating:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            errors.append(_error("title", "required", "Judul wajib diisi.", "A title is required."))
        else:
            values["title"] = title.strip()
    if "description" in data:
        description = data["description"] or ""
        if not isinstance(description, str) or len(description) > 5000:
            errors.append(
                _error("description", "invalid", "Deskripsi tidak valid.", "Invalid description.")
            )
        else:
            values["description"] = description
    if "visibility" in data:
        if data["visibility"] not in Collection.Visibility.values:
            errors.append(
                _error(
                    "visibility",
                    "invalid_choice",
                    "Pilihan: public, agencies, agency.",
                    "Choose public, agencies or agency.",
                )
            )
        else:
            values["visibility"] = data["visibility"]
    if errors:
        raise ValidationFailed(errors=errors)
    return values


def _record_collection(collection, *, action, change, before=None, principal=None):
    audit_record(
        action=f"media_collection.{action}",
        entity="media_collection",
        entity_id=collection.pk,
        before=before,
        after=collection_snapshot(collection) if change != "deleted" else None,
        principal=principal,
    )
    change_record(
        entity="media_collection",
        entity_id=collection.pk,
        action=change,
        version=collection.version,
        agency_id=collection.agency_id,
        data=collection_snapshot(collection)
        if change != "deleted"
        else {"id": collection.pk, "deleted": True},
    )


@transaction.atomic
def collection_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Collection:
    """Create an album for `agency`."""
    policy.check_create(principal, Collection, agency.pk)
    values = _clean_collection(data, creating=True)
    collection = Collection.objects.create(agency=agency, **values)
    _record_collection(collection, action="create", change="created", principal=principal)
    return collection


@transaction.atomic
def collection_update(
    *,
    principal: Principal,
    collection: Collection,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Collection:
    """Change an album's title, description or visibility."""
    policy.check(principal, policy.CHANGE, collection)
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    check_version(collection.version, expected_version)
    before = collection_snapshot(collection)
    data = {key: value for key, value in data.items() if key != "agency"}
    for name, value in _clean_collection(data, creating=False).items():
        setattr(collection, name, value)
    collection.version += 1
    collection.save()
    _record_collection(
        collection, action="update", change="updated", before=before, principal=principal
    )
    return collection


@transaction.atomic
def collection_delete(*, principal: Principal, collection: Collection) -> None:
    """Delete an album; its assets stay."""
    policy.check(principal, policy.DELETE, collection)
    before = collection_snapshot(collection)
    _record_collection(
        collection, action="delete", change="deleted", before=before, principal=principal
    )
    collection.delete()
