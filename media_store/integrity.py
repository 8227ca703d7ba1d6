"""Integrity of the media store: every blob present and intact, nothing left dangling.

:func:`media_scrub` (``python -m hub media-scrub``) reads every blob back and
compares it with its SHA-256, re-queues assets whose renditions are missing,
reports objects no row refers to (orphans) and removes those older than the
grace period, together with abandoned uploads. It never deletes a blob that
something refers to: an orphan is removed only while the scrub holds the
blob row's key itself, the same lock every writer takes before referring to
a blob.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from media_store import processing, services
from media_store.models import Blob, MediaAsset, MediaUpload, Rendition
from media_store.storage import ObjectMissing, Storage, get_storage, original_key, rendition_key

log = logging.getLogger(__name__)


@dataclass
class ScrubReport:
    """What a scrub found and did."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    damaged_assets: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    collected_rows: list[str] = field(default_factory=list)
    expired_uploads: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No referenced blob is missing or damaged."""
        return not self.missing and not self.corrupt


def _digest(storage: Storage, key: str) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    for chunk in storage.read(key):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def _verify_blobs(storage: Storage, report: ScrubReport, *, verify_content: bool) -> None:
    for blob in Blob.objects.order_by("key").iterator(chunk_size=500):
        report.checked += 1
        info = storage.stat(blob.location)
        if info is None:
            report.missing.append(blob.key)
            continue
        if verify_content:
            try:
                digest, size = _digest(storage, blob.location)
            except ObjectMissing:
                report.missing.append(blob.key)
                continue
            if digest != blob.sha256 or size != blob.size:
                report.corrupt.append(blob.key)
                continue
        Blob.objects.filter(key=blob.key).update(verified_at=timezone.now())


def _damaged(report: ScrubReport) -> None:
    """Name the assets whose original is gone or damaged; renditions are re-made instead."""
    bad = set(report.missing) | set(report.corrupt)
    shas = {key.rsplit("/", 1)[1] for key in bad if key.startswith("originals/")}
    report.damaged_assets = sorted(
        MediaAsset.objects.filter(sha256__in=shas).values_list("pk", flat=True)
    )


def _requeue(report: ScrubReport) -> None:
    bad = set(report.missing) | set(report.corrupt)
    bad_renditions = {
        key.rsplit("/", 1)[1].split(".")[0] for key in bad if key.startswith("renditions/")
    }
    asset_ids = set(
        Rendition.objects.filter(sha256__in=bad_renditions).values_list("asset_id", flat=True)
    )
    rendered = (MediaAsset.Kind.IMAGE, MediaAsset.Kind.VIDEO, MediaAsset.Kind.DOCUMENT)
    for asset in MediaAsset.objects.filter(status=MediaAsset.Status.READY, kind__in=rendered):
        if asset.renditions.count() < processing.EXPECTED_RENDITIONS:
            asset_ids.add(asset.pk)
    # A processing job that was lost (for example a wiped queue) is queued again;
    # one still queued is not duplicated.
    asset_ids |= set(
        MediaAsset.objects.filter(status=MediaAsset.Status.PROCESSING).values_list("pk", flat=True)
    )
    asset_ids -= set(report.damaged_assets)
    for asset_id in sorted(asset_ids):
        services.asset_reprocess(asset_id=asset_id)
        report.requeued.append(asset_id)


def _orphan_key(key: str) -> tuple[str, str] | None:
    """(role, sha256) of a content-addressed key, or None for anything else."""
    name = key.rsplit("/", 1)[-1]
    if key.startswith("originals/") and key == original_key(name):
        return Blob.Role.ORIGINAL, name
    if key.startswith("renditions/"):
        sha, _, ext = name.partition(".")
        if key == rendition_key(sha, ext):
            return Blob.Role.RENDITION, sha
    return None


def _remove_orphan(storage: Storage, key: str, size: int) -> bool:
    """Delete an object no row refers to, holding its blob key so no writer can adopt it now."""
    parsed = _orphan_key(key)
    if parsed is None:
        # uploads/<id>: no writer can start referring to an object it did not
        # just upload itself, and an upload older than the grace period is over.
        if Blob.objects.filter(location=key).exists():
            return False
        storage.delete(key)
        return True
    role, sha = parsed
    try:
        with transaction.atomic():
            # Inserting the row takes the key: a writer about to refer to this
            # blob either committed first (IntegrityError here: not an orphan) or
            # waits until the object is gone, and then stores it again.
            claim = Blob.objects.create(
                key=key, location=key, role=role, sha256=sha, size=size, mime=""
            )
            storage.delete(key)
            claim.delete()
    except IntegrityError:
        return False
    return True


def _orphans(storage: Storage, report: ScrubReport, *, cutoff, remove: bool) -> None:
    for prefix in ("originals/", "uploads/", "renditions/"):
        for item in storage.list(prefix):
            if Blob.objects.filter(location=item.key).exists():
                continue
            if (
                prefix == "uploads/"
                and MediaUpload.objects.filter(pk=_uuid_or_none(item.key.split("/")[-1]))
                .exclude(status=MediaUpload.Status.COMPLETE)
                .exists()
            ):
                continue  # a resumable upload being finished
            report.orphans.append(item.key)
            old = item.modified is not None and item.modified < cutoff
            if remove and old and _remove_orphan(storage, item.key, item.size):
                report.removed.append(item.key)
    # Rows nothing refers to any more (a collect job that never ran).
    for blob in Blob.objects.filter(created_at__lt=cutoff).order_by("key").iterator():
        if services.blob_references(blob) == 0:
            report.orphans.append(blob.key)
            if remove and services.blob_collect(key=blob.key, storage=storage):
                report.collected_rows.append(blob.key)


def _uuid_or_none(text: str):
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _temporary(storage: Storage, report: ScrubReport, *, cutoff, remove: bool) -> None:
    now = timezone.now()
    for upload in MediaUpload.objects.filter(expires_at__lt=now):
        if remove:
            if upload.status == MediaUpload.Status.RECEIVING:
                storage.resumable_abort(str(upload.pk), upload.state)
            upload.delete()
        report.expired_uploads.append(str(upload.pk))
    live = {str(pk) for pk in MediaUpload.objects.values_list("pk", flat=True)}
    for item in storage.list("tmp/"):
        parts = item.key.split("/")
        if len(parts) >= 3 and parts[1] == "tus" and parts[2].split(".")[0] in live:
            continue
        if item.modified is not None and item.modified < cutoff:
            report.orphans.append(item.key)
            if remove:
                storage.delete(item.key)
                report.removed.append(item.key)
    if remove:
        keep = {f"uploads/{upload_id}" for upload_id in live}
        report.abandoned.extend(storage.abandoned_uploads(cutoff, keep=keep))


def media_scrub(
    *,
    grace: timedelta,
    verify_content: bool = True,
    remove: bool = True,
    storage: Storage | None = None,
) -> ScrubReport:
    """Check every blob, re-queue missing renditions, report and clean up orphans.

    `grace` protects fresh objects: an orphan or temporary object younger than
    it may belong to an upload still in progress and is only reported.
    """
    storage = storage or get_storage()
    report = ScrubReport()
    cutoff = timezone.now() - grace
    _verify_blobs(storage, report, verify_content=verify_content)
    _damaged(report)
    _requeue(report)
    _orphans(storage, report, cutoff=cutoff, remove=remove)
    _temporary(storage, report, cutoff=cutoff, remove=remove)
    if not report.ok:
        log.error(
            "media scrub: %d blob(s) missing, %d not matching their sha256",
            len(report.missing),
            len(report.corrupt),
        )
    return report
