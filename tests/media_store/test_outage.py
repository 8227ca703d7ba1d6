"""The object store going away mid-upload: 503, nothing half-stored, and recovery without a restart.

Runs against the real SeaweedFS server, which the test stops and starts again.
"""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from media_store.models import Blob, MediaAsset
from media_store.storage import get_storage
from tests.media_store.conftest import (
    BOUNDARY,
    assert_problem,
    content,
    jpeg,
    multipart,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


class StopsTheStore(io.BytesIO):
    """A request body that stops the object store once `at` bytes have been read."""

    def __init__(self, data: bytes, at: int, server):
        super().__init__(data)
        self.at, self.server, self.stopped = at, server, False

    def read(self, size: int = -1) -> bytes:
        if not self.stopped and self.tell() >= self.at:
            self.server.stop()
            self.stopped = True
        return super().read(size)


class StopsTheStoreAtTheEnd(io.BytesIO):
    """A request body that stops the object store as its last bytes are read."""

    def __init__(self, data: bytes, server):
        super().__init__(data)
        self.server, self.size, self.stopped = server, len(data), False

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        if self.tell() == self.size and not self.stopped:
            self.server.stop()
            self.stopped = True
        return data


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_store_stopped_during_upload_answers_503_and_recovers(storage_backend, agency_team, api):
    server = storage_backend.server
    client = api(user=agency_team().editor)
    data = b"%PDF-1.7\n" + os.urandom(16 * 1024 * 1024)  # four 5 MiB parts
    body = multipart(data, "laporan-besar.pdf", title="Laporan")
    try:
        response = client.client.generic(
            "POST",
            "/api/v1/media/",
            b"",
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            **{"wsgi.input": StopsTheStore(body, 7 * 1024 * 1024, server),
               "CONTENT_LENGTH": str(len(body))},
        )  # fmt: skip
        problem = assert_problem(response, 503, "storage_unavailable")
        assert response["Retry-After"]
        assert problem["detail"]
        assert not MediaAsset.all_objects.exists() and not Blob.objects.exists()
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["components"]["object_storage"]["status"] == "down"
    finally:
        server.start()

    # No object became visible: an incomplete multipart upload is not an object.
    visible = list(
        server.client().list_objects(server.bucket, prefix=storage_backend.prefix, recursive=True)
    )
    assert visible == []
    # The same hub process, the same storage client: uploads work again.
    assert get_storage() is get_storage()
    again = upload(client, jpeg((500, 400)), "setelah-pulih.jpg")
    assert again.status_code == 201, again.content
    assert client.get("/readyz").status_code == 200
    assert len(storage_backend.objects("uploads/")) == 1


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_store_stopped_before_a_small_file_is_written_commits_nothing(
    storage_backend, agency_team, api
):
    """A file below one part is written while its rows are prepared; a failure rolls them back."""
    from hub.models import AuditEntry, ChangeEvent

    server = storage_backend.server
    client = api(user=agency_team().editor)
    audit, changes = AuditEntry.objects.count(), ChangeEvent.objects.count()
    body = multipart(jpeg((640, 480)), "kecil.jpg", title="Kecil")
    try:
        response = client.client.generic(
            "POST",
            "/api/v1/media/",
            b"",
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            # The store goes away as the body ends, before the file is written.
            **{"wsgi.input": StopsTheStoreAtTheEnd(body, server),
               "CONTENT_LENGTH": str(len(body))},
        )  # fmt: skip
        assert_problem(response, 503, "storage_unavailable")
        assert not MediaAsset.all_objects.exists() and not Blob.objects.exists()
        assert AuditEntry.objects.count() == audit and ChangeEvent.objects.count() == changes
    finally:
        server.start()
    assert storage_backend.objects() == []
    again = upload(client, jpeg((640, 480)), "kecil.jpg")
    assert again.status_code == 201, again.content
    assert len(storage_backend.objects("uploads/")) == 1


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_a_download_while_the_store_is_stopped_answers_503_and_works_once_it_is_back(
    storage_backend, agency_team, api
):
    client = api(user=agency_team().editor)
    data = jpeg((500, 400), color=(70, 70, 200))
    asset_id = upload(client, data, "unduh.jpg").json()["id"]
    url = f"/api/v1/media/{asset_id}/download/original/"
    server = storage_backend.server
    server.stop()
    try:
        response = client.get(url)
        assert_problem(response, 503, "storage_unavailable")
        assert int(response["Retry-After"]) > 0
        # What the database holds is still served.
        assert client.get(f"/api/v1/media/{asset_id}/").json()["sha256"] == (
            hashlib.sha256(data).hexdigest()
        )
    finally:
        server.start()
    again = client.get(url)
    assert again.status_code == 200
    assert content(again) == data
