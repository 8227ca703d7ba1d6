"""Resumable uploads (tus 1.0) on both storage backends: a broken connection resumes."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from datetime import datetime, timedelta

import pytest
from PIL import Image

from media_store.models import Blob, MediaAsset, MediaUpload
from tests.media_store.conftest import DroppedBody, assert_problem, jpeg, nothing_stored

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def _metadata(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


def _noise_png(side: int = 1800) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def _create(client, length: int, **metadata):
    return client.client.post(
        "/api/v1/media/uploads/",
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_metadata(**metadata),
        **TUS,
    )


def _patch(
    client,
    location: str,
    offset: int,
    data: bytes,
    *,
    cut: int | None = None,
    checksum: str | None = None,
):
    path = location.split("testserver", 1)[-1]
    extra = {"HTTP_UPLOAD_OFFSET": str(offset), **TUS}
    if checksum is not None:
        extra["HTTP_UPLOAD_CHECKSUM"] = checksum
    if cut is not None:
        extra.update({"wsgi.input": DroppedBody(data, cut), "CONTENT_LENGTH": str(len(data))})
        data = b""
    return client.client.generic("PATCH", path, data, content_type=OCTETS, **extra)


def _checksum(data: bytes, algorithm: str = "sha1") -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _head(client, location: str):
    return client.client.head(location.split("testserver", 1)[-1], **TUS)


def test_interrupted_upload_completes_after_resuming(storage_backend, agency_team, api, run_jobs):
    team = agency_team()
    client = api(user=team.editor)
    data = _noise_png()  # about 9.7 MB: several S3 parts
    created = _create(client, len(data), filename="citra-satelit.png", title="Citra satelit")
    assert created.status_code == 201, created.content
    assert created["Tus-Resumable"] == "1.0.0" and created["Upload-Offset"] == "0"
    location = created["Location"]

    # The connection drops after 40% of the first request's body.
    cut = int(len(data) * 0.4)
    dropped = _patch(client, location, 0, data, cut=cut)
    assert dropped.status_code == 204
    assert dropped["Upload-Offset"] == str(cut)
    assert not MediaAsset.objects.exists()

    # The client asks where to resume and sends the rest.
    head = _head(client, location)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == (str(cut), str(len(data)))
    assert head["Cache-Control"] == "no-store"
    done = _patch(client, location, cut, data[cut:])
    assert done.status_code == 204, done.content
    assert done["Upload-Offset"] == str(len(data))
    asset = MediaAsset.objects.get(pk=int(done["X-Simpul-Asset"]))
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert (asset.size, asset.mime, asset.title) == (len(data), "image/png", "Citra satelit")
    assert asset.original_filename == "citra-satelit.png"
    assert storage_backend.raw_read(Blob.objects.get(sha256=asset.sha256).location) == data
    status = client.get(location.split("testserver", 1)[-1]).json()
    assert status["status"] == "complete" and status["asset"] == asset.pk
    assert datetime.fromisoformat(status["expires_at"]) == MediaUpload.objects.get().expires_at
    assert "T" in status["expires_at"]  # RFC 3339, as every other time the API gives
    # A client whose last PATCH got no answer asks where the upload stands.
    after = _head(client, location)
    assert after["Upload-Offset"] == after["Upload-Length"] == str(len(data))
    assert (after["X-Simpul-Asset"], after["X-Simpul-Duplicate"]) == (str(asset.pk), "false")

    run_jobs()
    asset.refresh_from_db()
    assert asset.status == "ready" and asset.renditions.count() == 14
    assert [key for key in storage_backend.objects() if key.startswith("tmp/")] == []


def test_resuming_at_the_wrong_offset_is_a_conflict(storage_backend, agency_team, api):
    client = api(user=agency_team().editor)
    data = jpeg((600, 400))
    location = _create(client, len(data), filename="a.jpg")["Location"]
    assert _patch(client, location, 0, data[:1000]).status_code == 204
    body = assert_problem(_patch(client, location, 0, data[:1000]), 409, "offset_mismatch")
    assert body["offset"] == 1000
    assert_problem(_patch(client, location, 1000, data[1000:] + b"extra"), 413, "upload_overflow")
    assert _patch(client, location, 1000, data[1000:]).status_code == 204
    assert MediaAsset.objects.count() == 1


def test_a_duplicate_resumable_upload_answers_the_existing_asset(local_storage, agency_team, api):
    client = api(user=agency_team().editor)
    data = jpeg((300, 200))
    first = _patch(client, _create(client, len(data))["Location"], 0, data)
    second = _patch(client, _create(client, len(data))["Location"], 0, data)
    assert first["X-Simpul-Duplicate"] == "false" and second["X-Simpul-Duplicate"] == "true"
    assert first["X-Simpul-Asset"] == second["X-Simpul-Asset"]
    assert local_storage.objects("tmp/") == []


def test_refused_file_fails_the_upload_and_leaves_nothing(storage_backend, agency_team, api):
    client = api(user=agency_team().editor)
    data = b"MZ\x90\x00" + bytes(6 * 1024 * 1024)
    location = _create(client, len(data), filename="setup.jpg")["Location"]
    assert_problem(_patch(client, location, 0, data), 415, "unsupported_media_type")
    assert MediaUpload.objects.get().status == "failed"
    assert not MediaAsset.objects.exists() and not Blob.objects.exists()
    assert storage_backend.objects() == []


def test_termination_discards_the_bytes(storage_backend, agency_team, api):
    client = api(user=agency_team().editor)
    data = os.urandom(6 * 1024 * 1024)
    location = _create(client, len(data) * 2)["Location"]
    assert _patch(client, location, 0, data).status_code == 204
    path = location.split("testserver", 1)[-1]
    assert client.client.delete(path, **TUS).status_code == 204
    assert _head(client, location).status_code == 404
    assert nothing_stored(storage_backend) and not MediaUpload.objects.exists()


def test_protocol_errors(local_storage, settings, agency_team, api):
    client = api(user=agency_team().editor)
    settings.HUB_MEDIA_MAX_RESUMABLE = 1000
    assert_problem(_create(client, 1001), 413, "payload_too_large")
    missing = client.client.post("/api/v1/media/uploads/", HTTP_UPLOAD_LENGTH="10")
    assert_problem(missing, 412, "tus_version")
    assert missing["Tus-Version"] == "1.0.0"
    assert_problem(
        client.client.post("/api/v1/media/uploads/", HTTP_UPLOAD_LENGTH="-3", **TUS),
        400,
        "validation_failed",
    )
    bad_metadata = client.client.post(
        "/api/v1/media/uploads/",
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA=_metadata(visibility="rahasia"),
        **TUS,
    )
    assert_problem(bad_metadata, 400, "validation_failed")
    nul = client.client.post(
        "/api/v1/media/uploads/",
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA=_metadata(title="Judul\x00"),
        **TUS,
    )
    assert assert_problem(nul, 400, "nul_character")["errors"][0]["field"] == (
        "Upload-Metadata.title"
    )
    assert not MediaUpload.objects.exists()
    location = _create(client, 10)["Location"]
    wrong_type = client.client.generic(
        "PATCH",
        location.split("testserver", 1)[-1],
        b"0123456789",
        content_type="application/octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **TUS,
    )
    assert_problem(wrong_type, 415, "tus_content_type")
    discovery = client.client.options("/api/v1/media/uploads/")
    assert discovery.status_code == 204
    assert discovery["Tus-Version"] == "1.0.0"
    assert discovery["Tus-Extension"] == (
        "creation,creation-with-upload,termination,checksum,expiration"
    )
    assert discovery["Tus-Checksum-Algorithm"] == "sha1,sha256,sha512,md5"
    assert discovery["Tus-Max-Size"] == "1000"


def test_another_agency_cannot_touch_an_upload(local_storage, agency_team, api):
    owner, other = agency_team(), agency_team()
    location = _create(api(user=owner.editor), 100)["Location"]
    stranger = api(user=other.editor)
    assert _head(stranger, location).status_code == 404
    assert_problem(_patch(stranger, location, 0, b"x" * 100), 404, "not_found")
    assert_problem(_create(api(user=owner.viewer), 100), 403, "permission_denied")


def test_a_part_that_does_not_match_its_checksum_is_not_kept(storage_backend, agency_team, api):
    """Flaky links corrupt data too: a checksummed part counts only whole and matching."""
    client = api(user=agency_team().editor)
    data = _noise_png()  # about 9.7 MB: a full S3 part and a tail per request
    half = len(data) // 2
    location = _create(client, len(data), filename="banjir.png")["Location"]
    first = _patch(client, location, 0, data[:half], checksum=_checksum(data[:half]))
    assert first.status_code == 204 and first["Upload-Offset"] == str(half)

    # The second half arrives with a flipped byte: 460, and the offset stays.
    damaged = bytearray(data[half:])
    damaged[12345] ^= 0xFF
    refused = _patch(client, location, half, bytes(damaged), checksum=_checksum(data[half:]))
    body = assert_problem(refused, 460, "checksum_mismatch")
    assert body["title"] == "Checksum Mismatch"
    assert _head(client, location)["Upload-Offset"] == str(half)
    # So does a body cut short: its checksum cannot be checked, so it is not kept.
    cut = _patch(
        client, location, half, data[half:], cut=1000, checksum=_checksum(data[half:], "sha256")
    )
    assert_problem(cut, 460, "checksum_mismatch")
    assert _head(client, location)["Upload-Offset"] == str(half)
    assert [key for key in storage_backend.objects("tmp/") if "/tail-" in key] == (
        [f"tmp/tus/{MediaUpload.objects.get().pk}/tail-{half}"]
        if storage_backend.name == "s3"
        else []
    )

    # Sent again, whole and matching, it completes into the file as sent.
    done = _patch(client, location, half, data[half:], checksum=_checksum(data[half:], "md5"))
    assert done.status_code == 204, done.content
    asset = MediaAsset.objects.get(pk=int(done["X-Simpul-Asset"]))
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert storage_backend.raw_read(Blob.objects.get(sha256=asset.sha256).location) == data


def test_an_unusable_checksum_header_is_refused_before_any_byte_is_read(
    local_storage, agency_team, api
):
    client = api(user=agency_team().editor)
    data = jpeg((300, 200))
    location = _create(client, len(data))["Location"]
    for header, code in [
        ("crc32 AAAAAA==", "checksum_algorithm"),
        ("sha1 bukan-base64!", "invalid_checksum"),
        ("sha1 " + base64.b64encode(b"short").decode(), "invalid_checksum"),
        ("sha256", "invalid_checksum"),
    ]:
        body = assert_problem(
            _patch(client, location, 0, data, checksum=header), 400, "validation_failed"
        )
        assert body["errors"][0] == {**body["errors"][0], "field": "Upload-Checksum", "code": code}
    assert _head(client, location)["Upload-Offset"] == "0"
    assert _patch(client, location, 0, data, checksum=_checksum(data, "sha512")).status_code == 204


def test_an_upload_says_until_when_it_can_be_resumed(local_storage, settings, agency_team, api):
    from django.utils.http import parse_http_date

    settings.HUB_MEDIA_UPLOAD_EXPIRY_HOURS = 24
    client = api(user=agency_team().editor)
    data = jpeg((300, 200))
    created = _create(client, len(data))
    expires = MediaUpload.objects.get().expires_at
    for response in (
        created,
        _head(client, created["Location"]),
        _patch(client, created["Location"], 0, data[:100]),
    ):
        assert parse_http_date(response["Upload-Expires"]) == int(expires.timestamp())
    # Past that time the upload is gone (tus expiration: 404).
    MediaUpload.objects.update(expires_at=expires - timedelta(days=2))
    assert _head(client, created["Location"]).status_code == 404
    assert_problem(_patch(client, created["Location"], 100, data[100:]), 404, "not_found")


def _create_with(client, length: int, data: bytes, checksum: str | None = None, **metadata):
    """tus creation-with-upload: the first bytes come with the POST that creates the upload."""
    extra = {"HTTP_UPLOAD_CHECKSUM": checksum} if checksum else {}
    return client.client.generic(
        "POST",
        "/api/v1/media/uploads/",
        data,
        content_type=OCTETS,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_metadata(**metadata),
        **TUS,
        **extra,
    )


def test_the_first_bytes_can_come_with_the_request_that_creates_the_upload(
    storage_backend, agency_team, api
):
    """One round trip fewer, which counts on a slow, distant link."""
    client = api(user=agency_team().editor)
    data = _noise_png()
    head = data[: len(data) // 3]
    created = _create_with(client, len(data), head, _checksum(head), filename="peta.png")
    assert created.status_code == 201, created.content
    assert created["Upload-Offset"] == str(len(head)) and created["Upload-Expires"]
    done = _patch(client, created["Location"], len(head), data[len(head) :])
    assert done.status_code == 204, done.content
    asset = MediaAsset.objects.get(pk=int(done["X-Simpul-Asset"]))
    assert storage_backend.raw_read(Blob.objects.get(sha256=asset.sha256).location) == data

    # A small file fits in that one request, and is an asset when it answers.
    photo = jpeg((640, 480))
    whole = _create_with(client, len(photo), photo, filename="posko.jpg")
    assert whole.status_code == 201 and whole["Upload-Offset"] == str(len(photo))
    assert MediaAsset.objects.filter(pk=int(whole["X-Simpul-Asset"]), mime="image/jpeg").exists()


def test_first_bytes_that_do_not_match_their_checksum_leave_an_empty_upload(
    local_storage, agency_team, api
):
    client = api(user=agency_team().editor)
    data = jpeg((640, 480))
    created = _create_with(client, len(data), data, _checksum(b"something else"))
    # Created all the same, so the client knows where it is: at 0, to send again.
    assert created.status_code == 201 and created["Upload-Offset"] == "0"
    assert not MediaAsset.objects.exists()
    done = _patch(client, created["Location"], 0, data, checksum=_checksum(data))
    assert done.status_code == 204 and done["X-Simpul-Asset"]
    # An unusable checksum header refuses the request before anything is created.
    refused = _create_with(client, len(data), data, "crc32 AAAAAA==")
    assert_problem(refused, 400, "validation_failed")
    assert MediaUpload.objects.count() == 1
