"""`python -m hub media-scrub` on both backends: damage is found, orphans go, references stay."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from media_store.integrity import media_scrub
from media_store.models import Blob, MediaAsset, MediaUpload, Rendition
from media_store.storage import original_key, rendition_key
from tests.media_store.conftest import jpeg, png, upload

pytestmark = pytest.mark.django_db


def _ready_asset(api, team, run_jobs, data: bytes) -> MediaAsset:
    response = upload(api(user=team.editor), data, "foto.jpg", alt_text="Foto")
    assert response.status_code == 201, response.content
    run_jobs()
    asset = MediaAsset.objects.get(pk=response.json()["id"])
    assert asset.status == "ready"
    return asset


def _location(sha: str) -> str:
    return Blob.objects.get(key=original_key(sha)).location


def test_scrub_detects_altered_and_deleted_blobs(storage_backend, agency_team, api, run_jobs):
    team = agency_team()
    altered = _ready_asset(api, team, run_jobs, jpeg((640, 480), color=(200, 0, 0)))
    deleted = _ready_asset(api, team, run_jobs, jpeg((640, 480), color=(0, 0, 200)))
    assert media_scrub(grace=timedelta(hours=24)).ok

    storage_backend.raw_overwrite(_location(altered.sha256), b"bukan foto aslinya")
    storage_backend.raw_delete(_location(deleted.sha256))

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 missing and 1 corrupt"):
        call_command("media_scrub", stdout=out)
    text = out.getvalue()
    assert f"CORRUPT (sha256)      {original_key(altered.sha256)}" in text
    assert f"MISSING               {original_key(deleted.sha256)}" in text
    report = media_scrub(grace=timedelta(hours=24))
    assert report.corrupt == [original_key(altered.sha256)]
    assert report.missing == [original_key(deleted.sha256)]
    assert report.damaged_assets == sorted([altered.pk, deleted.pk])
    # Damaged originals are reported, never "repaired" by deleting anything.
    assert Blob.objects.filter(key=original_key(altered.sha256)).exists()
    assert storage_backend.raw_read(_location(altered.sha256)) == b"bukan foto aslinya"


def test_a_change_of_size_alone_is_noticed_without_reading(
    storage_backend, agency_team, api, run_jobs
):
    asset = _ready_asset(api, agency_team(), run_jobs, png())
    storage_backend.raw_delete(_location(asset.sha256))
    report = media_scrub(grace=timedelta(hours=24), verify_content=False)
    assert report.missing == [original_key(asset.sha256)] and not report.ok


def test_missing_renditions_are_made_again(storage_backend, agency_team, api, run_jobs):
    asset = _ready_asset(api, agency_team(), run_jobs, jpeg((800, 600)))
    lost = asset.renditions.get(name="story", format="webp")
    key = rendition_key(lost.sha256, "webp")
    storage_backend.raw_delete(key)
    report = media_scrub(grace=timedelta(hours=24))
    assert report.missing == [key] and report.requeued == [asset.pk]
    run_jobs()
    assert storage_backend.storage.stat(key) is not None
    assert media_scrub(grace=timedelta(hours=24)).ok
    assert asset.renditions.count() == 14


def test_assets_without_their_renditions_are_requeued(local_storage, agency_team, api, run_jobs):
    asset = _ready_asset(api, agency_team(), run_jobs, jpeg((500, 500)))
    Rendition.objects.filter(asset=asset, name="square").delete()
    report = media_scrub(grace=timedelta(hours=24))
    assert report.requeued == [asset.pk]
    run_jobs()
    assert asset.renditions.count() == 14


def test_orphans_are_reported_and_removed_after_the_grace_period(
    storage_backend, agency_team, api, run_jobs
):
    asset = _ready_asset(api, agency_team(), run_jobs, jpeg((400, 300)))
    referenced = set(storage_backend.objects())
    stray = b"sisa unggahan yang gagal"
    stray_key = original_key(hashlib.sha256(stray).hexdigest())
    storage_backend.storage.put(stray_key, stray, "application/octet-stream")
    stray_rendition = rendition_key(hashlib.sha256(b"x").hexdigest(), "webp")
    storage_backend.storage.put(stray_rendition, b"x", "image/webp")

    young = media_scrub(grace=timedelta(hours=24))
    assert set(young.orphans) == {stray_key, stray_rendition} and young.removed == []
    assert storage_backend.storage.stat(stray_key) is not None

    old = media_scrub(grace=timedelta(seconds=0))
    assert set(old.removed) == {stray_key, stray_rendition}
    assert set(storage_backend.objects()) == referenced  # every referenced blob is still there
    assert media_scrub(grace=timedelta(seconds=0)).ok
    assert asset.renditions.count() == 14


def test_unreferenced_blob_rows_are_collected(local_storage, agency_team, api, run_jobs):
    team = agency_team()
    asset = _ready_asset(api, team, run_jobs, jpeg((300, 300)))
    blobs = Blob.objects.count()  # the original and its distinct renditions
    # The asset disappears without its collect jobs (say, the queue was wiped).
    MediaAsset.all_objects.filter(pk=asset.pk).update(status="deleted")
    Rendition.objects.filter(asset=asset).delete()
    report = media_scrub(grace=timedelta(seconds=0))
    assert len(report.collected_rows) == blobs
    assert not Blob.objects.exists() and local_storage.objects() == []


def test_expired_resumable_uploads_are_removed(storage_backend, agency_team, api):
    client = api(user=agency_team().editor)
    response = client.client.post(
        "/api/v1/media/uploads/", HTTP_UPLOAD_LENGTH="100000", HTTP_TUS_RESUMABLE="1.0.0"
    )
    path = response["Location"].split("testserver", 1)[-1]
    patched = client.client.generic(
        "PATCH",
        path,
        b"%PDF-" + bytes(999),
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_TUS_RESUMABLE="1.0.0",
    )
    assert patched.status_code == 204
    MediaUpload.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    report = media_scrub(grace=timedelta(seconds=0))
    assert len(report.expired_uploads) == 1
    assert not MediaUpload.objects.exists()
    assert storage_backend.objects() == []
