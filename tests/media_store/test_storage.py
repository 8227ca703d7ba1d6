"""The storage interface behaves the same on both real backends (local directory, SeaweedFS S3)."""

from __future__ import annotations

import hashlib
import os
import urllib.request

import pytest

from media_store.storage import ObjectMissing, rendition_key
from tests.media_store.conftest import Backend


def _write(backend: Backend, data: bytes, chunk: int = 1024 * 1024):
    writer = backend.storage.writer()
    for start in range(0, len(data), chunk):
        writer.write(data[start : start + chunk])
    return writer


def test_streamed_object_is_visible_only_once_complete(storage_backend: Backend):
    data = os.urandom(12 * 1024 * 1024 + 123)  # several S3 parts of 5 MiB
    writer = _write(storage_backend, data)
    # Still being written: nothing where a reader could find it.
    assert storage_backend.objects("originals/") == [] and storage_backend.objects("uploads/") == []
    writer.close()
    sha = hashlib.sha256(data).hexdigest()
    location = storage_backend.storage.promote(writer.temp_key, f"originals/x/{sha}")
    assert storage_backend.raw_read(location) == data
    assert storage_backend.objects() == [location]
    assert storage_backend.storage.stat(location).size == len(data)


def test_aborted_write_leaves_nothing(storage_backend: Backend):
    writer = _write(storage_backend, os.urandom(11 * 1024 * 1024))
    writer.abort()
    assert storage_backend.objects() == []


def test_small_objects_and_ranged_reads(storage_backend: Backend):
    storage = storage_backend.storage
    data = bytes(range(256)) * 1000
    key = rendition_key(hashlib.sha256(data).hexdigest(), "webp")
    storage.put(key, data, "image/webp")
    assert b"".join(storage.read(key)) == data
    assert b"".join(storage.read(key, 1000, 24)) == data[1000:1024]
    assert b"".join(storage.read(key, len(data) - 5)) == data[-5:]
    assert [item.key for item in storage.list("renditions/")] == [key]
    storage.delete(key)
    storage.delete(key)  # deleting a missing object is not an error
    assert storage.stat(key) is None
    with pytest.raises(ObjectMissing):
        b"".join(storage.read(key))


def test_resumable_upload_survives_a_broken_connection(storage_backend: Backend):
    storage = storage_backend.storage
    data = os.urandom(11 * 1024 * 1024 + 7)
    state = storage.resumable_begin("7a1c3b40-0000-4000-8000-000000000001")
    upload_id = "7a1c3b40-0000-4000-8000-000000000001"

    def chunks(payload: bytes, stop_after: int | None = None):
        sent = 0
        for start in range(0, len(payload), 1024 * 1024):
            piece = payload[start : start + 1024 * 1024]
            if stop_after is not None and sent + len(piece) > stop_after:
                yield piece[: stop_after - sent]
                return  # the connection dropped here
            sent += len(piece)
            yield piece

    # First request: 7.5 MiB arrive, then the connection drops.
    offset, state = storage.resumable_append(upload_id, state, 0, chunks(data, 7_864_320))
    assert offset == 7_864_320
    storage.resumable_cleanup(upload_id, state)
    # Second request resumes at the offset the hub reported.
    offset, state = storage.resumable_append(upload_id, state, offset, chunks(data[offset:]))
    assert offset == len(data)
    storage.resumable_cleanup(upload_id, state)
    key = storage.resumable_complete(upload_id, state)
    assert hashlib.sha256(storage_backend.raw_read(key)).digest() == hashlib.sha256(data).digest()
    assert [k for k in storage_backend.objects() if "tail" in k] == []


def test_resumable_upload_drops_unacknowledged_bytes(storage_backend: Backend):
    storage = storage_backend.storage
    upload_id = "7a1c3b40-0000-4000-8000-000000000002"
    state = storage.resumable_begin(upload_id)
    offset, state = storage.resumable_append(upload_id, state, 0, iter([b"a" * 1000]))
    # A retry of the next request from the acknowledged offset replaces, never appends twice.
    _, retry_state = storage.resumable_append(upload_id, state, offset, iter([b"b" * 10]))
    offset, state = storage.resumable_append(upload_id, state, offset, iter([b"c" * 10]))
    key = storage.resumable_complete(upload_id, state)
    assert storage_backend.raw_read(key) == b"a" * 1000 + b"c" * 10


def test_resumable_abort_removes_everything(storage_backend: Backend):
    storage = storage_backend.storage
    upload_id = "7a1c3b40-0000-4000-8000-000000000003"
    state = storage.resumable_begin(upload_id)
    _, state = storage.resumable_append(upload_id, state, 0, iter([os.urandom(6 * 1024 * 1024)]))
    storage.resumable_abort(upload_id, state)
    assert storage_backend.objects() == []


def test_presigned_urls_are_real_and_expire(storage_backend: Backend):
    storage = storage_backend.storage
    data = b"kabar resmi"
    key = rendition_key(hashlib.sha256(data).hexdigest(), "jpeg")
    storage.put(key, data, "image/jpeg")
    url = storage.presigned_url(key, ttl=60, content_type="image/jpeg")
    if storage_backend.name == "local":
        assert url is None  # the hub signs and serves local files itself
        return
    with urllib.request.urlopen(url) as response:
        assert response.read() == data
        assert response.headers["Content-Type"] == "image/jpeg"


def test_readiness_check(storage_backend: Backend):
    status, detail = storage_backend.storage.check()
    assert status == "ok", detail


def _small_write_completed_in_background(backend: Backend, data: bytes) -> bytes:
    """Write `data` as an upload's small file is written (completed by the process's
    background threads), keep it, and read it back."""
    writer = _write(backend, data)
    writer.close_soon().result(timeout=60)  # a bound on waiting: a hang fails, not blocks
    location = backend.storage.promote(writer.temp_key, f"originals/fork/{os.urandom(4).hex()}")
    return backend.raw_read(location)


def test_a_forked_process_stores_with_threads_and_connections_of_its_own(storage_backend):
    # `hub up` stores the demo's files, then gunicorn forks its web workers from that
    # process: the parent's background threads do not exist in a child, and its
    # pooled connections to the object store must not be shared.
    parent = storage_backend.storage
    assert _small_write_completed_in_background(storage_backend, b"parent") == b"parent"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a web worker is: report and leave, whatever happens
        os.close(read)
        try:
            child = storage_backend.storage
            stored = _small_write_completed_in_background(storage_backend, b"child")
            report = f"{child is not parent} {stored == b'child'}"
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            report = f"failed: {exc!r}"
        os.write(write, report.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        report = answer.read().decode()
    os.waitpid(pid, 0)
    assert report == "True True"
    # The parent's own backend is untouched by the child's start.
    assert storage_backend.storage is parent
    assert _small_write_completed_in_background(storage_backend, b"again") == b"again"
