"""Media store fixtures: both storage backends, staff, files, and the real job worker.

``storage_backend`` is parametrised over the two real backends: a local
directory (a fresh temporary one per test) and the SeaweedFS S3 server from
deploy/local (one per session; each test gets its own key prefix so tests see
only their own objects).
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test.client import encode_multipart
from PIL import Image

from agencies import policy
from media_store.models import Blob, MediaAsset
from media_store.storage import Storage, get_storage

BOUNDARY = "SimpulTestBoundary"


@dataclass
class Backend:
    """The storage a test runs against, with ways to look behind the hub's back."""

    name: str
    server: object | None
    root: Path | None
    prefix: str

    @property
    def storage(self) -> Storage:
        return get_storage()

    def objects(self, prefix: str = "") -> list[str]:
        """Every object key the hub's storage holds (complete, visible objects only)."""
        return sorted(item.key for item in self.storage.list(prefix))

    def raw_read(self, key: str) -> bytes:
        return b"".join(self.storage.read(key))

    def raw_overwrite(self, key: str, data: bytes) -> None:
        """Change stored bytes without the hub knowing (disk corruption, a rogue tool)."""
        if self.name == "local":
            (self.root / key).write_bytes(data)
        else:
            self.server.client().put_object(
                self.server.bucket, self.prefix + key, io.BytesIO(data), len(data)
            )

    def raw_delete(self, key: str) -> None:
        if self.name == "local":
            (self.root / key).unlink()
        else:
            self.server.client().remove_object(self.server.bucket, self.prefix + key)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage_backend(request, settings, tmp_path) -> Backend:
    """The hub configured for one real backend (both, through parametrisation)."""
    if request.param == "local":
        settings.HUB_STORAGE = "local"
        settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
        return Backend("local", None, tmp_path / "media", "")
    server = request.getfixturevalue("s3_server")
    prefix = f"tests/media/{uuid.uuid4().hex[:12]}/"
    settings.HUB_STORAGE = "s3"
    settings.MINIO_ENDPOINT = server.endpoint
    settings.MINIO_ACCESS_KEY = server.access_key
    settings.MINIO_SECRET_KEY = server.secret_key
    settings.MINIO_BUCKET = server.bucket
    settings.MINIO_REGION = server.region
    settings.MINIO_SECURE = False
    settings.MINIO_PREFIX = prefix
    settings.MINIO_PART_SIZE = 5 * 1024 * 1024
    return Backend("s3", server, None, prefix)


@pytest.fixture
def local_storage(settings, tmp_path) -> Backend:
    """Only the local backend (for tests about the hub's logic, not about storage)."""
    settings.HUB_STORAGE = "local"
    settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
    return Backend("local", None, tmp_path / "media", "")


@pytest.fixture
def run_jobs():
    """Run the queued media jobs now, in the test's transaction; returns how many ran.

    Jobs are taken and finished with procrastinate's own queue functions (the
    ones its worker calls), so ordering, locks and queueing locks apply; only
    the worker loop is left out. ``test_worker.py`` runs the real worker.
    """
    from django.db import connection
    from procrastinate.contrib.django import app

    def run() -> int:
        done = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT worker_id FROM procrastinate_register_worker_v1()")
            (worker_id,) = cursor.fetchone()
            while True:
                cursor.execute(
                    "SELECT id, task_name, args FROM procrastinate_fetch_job_v2(%s, %s)",
                    [["media"], worker_id],
                )
                job_id, task_name, args = cursor.fetchone()
                if job_id is None:
                    break
                if isinstance(args, str):  # Django leaves jsonb undecoded
                    args = json.loads(args)
                app.tasks[task_name](**args)
                cursor.execute(
                    "SELECT procrastinate_finish_job_v1(%s, 'succeeded', false)", [job_id]
                )
                done += 1
            cursor.execute("SELECT procrastinate_unregister_worker_v1(%s)", [worker_id])
        return done

    return run


@pytest.fixture
def agency_team(make_agency, make_user):
    """An agency with an editor, a verifier and a viewer: team("bnpb") -> namespace."""

    def make(slug: str | None = None):
        agency = make_agency(slug)
        return Team(
            agency=agency,
            editor=make_user(agency, policy.EDITOR),
            verifier=make_user(agency, policy.VERIFIER),
            viewer=make_user(agency, policy.VIEWER),
        )

    return make


@dataclass
class Team:
    agency: object
    editor: object
    verifier: object
    viewer: object


def jpeg(size=(1600, 1200), color=(200, 40, 40), *, exif=None, quality=90) -> bytes:
    image = Image.new("RGB", size, color)
    # Some structure so that perceptual hashes differ between pictures.
    for x in range(0, size[0], max(size[0] // 8, 1)):
        image.paste((color[2], color[0], color[1]), (x, 0, x + max(size[0] // 16, 1), size[1]))
    out = io.BytesIO()
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    image.save(out, "JPEG", **options)
    return out.getvalue()


def png(size=(800, 600), color=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def multipart(data: bytes | None, filename: str = "foto.jpg", **fields) -> bytes:
    payload = dict(fields)
    if data is not None:
        upload = io.BytesIO(data)
        upload.name = filename
        payload["file"] = upload
    return encode_multipart(BOUNDARY, payload)


def upload(client, data: bytes | None, filename: str = "foto.jpg", query: str = "", **fields):
    """POST a multipart upload with the test client (an `Api` or a DRF APIClient)."""
    raw = client.client if hasattr(client, "client") else client
    body = multipart(data, filename, **fields)
    return raw.generic(
        "POST",
        f"/api/v1/media/{query}",
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def heic_from_a_phone() -> bytes:
    """A HEIC photo as phones take them: 1200×1600 (turned upright by `irot`), camera
    make and model, body serial number and GPS in its EXIF.

    The hub only decodes HEIC, so the file is kept here. It was made with
    pillow-heif (which has an encoder): a 1600×1200 picture, EXIF with Make
    "Apple", Model "iPhone 15", Orientation 6, BodySerialNumber
    "SN-IPHONE-RAHASIA" and GPS 7°32'30"S 112°37'12"E, saved as HEIF quality 30.
    """
    return (Path(__file__).parent / "files" / "foto-iphone.heic").read_bytes()


def jpeg_with_metadata(size=(1600, 1200)) -> bytes:
    """A photo carrying camera, GPS and XMP metadata, as phones produce them."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS 5D Mark IV"
    exif[0xA431] = "SN-0042-RAHASIA"  # body serial number
    exif[0x8825] = {1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 49.0, 10.0)}
    image = Image.new("RGB", size, (10, 150, 60))
    image.paste((240, 240, 240), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Lokasi: Desa Sukamaju RT 03</x:xmpmeta>'
    image.save(out, "JPEG", quality=90, exif=exif, xmp=xmp)
    return out.getvalue()


class DroppedBody(io.BytesIO):
    """A request body whose client goes away after `cut` bytes: reads then come back empty,
    which is what gunicorn hands Django when the connection drops."""

    def __init__(self, data: bytes, cut: int):
        super().__init__(data[:cut])


def content(response) -> bytes:
    """The body of a (possibly streaming) test-client response."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def fetch(client, url: str) -> tuple[int, bytes, dict]:
    """GET a URL the API handed out: the hub's own through the test client, others for real."""
    import urllib.error
    import urllib.request

    from django.conf import settings

    base = settings.HUB_PUBLIC_URL.rstrip("/")
    if url.startswith(base + "/"):
        raw = client.client if hasattr(client, "client") else client
        response = raw.get(url[len(base) :])
        return response.status_code, content(response), dict(response.headers)
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, content(response)[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(content(response))
    assert body["code"] == code, body
    assert body["status"] == status
    return body


def nothing_stored(backend: Backend) -> bool:
    """No asset row, no blob row, no object (not even under tmp/)."""
    return (
        not MediaAsset.all_objects.exists()
        and not Blob.objects.exists()
        and backend.objects() == []
    )
