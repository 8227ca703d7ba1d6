"""Where media bytes live: one interface, two real backends.

* :class:`S3Storage` — any S3-compatible object store through the ``minio``
  client (SeaweedFS, Ceph RGW, MinIO AIStor, cloud object storage);
* :class:`LocalStorage` — a directory on the local filesystem (the embedded
  default, under ``HUB_DATA_DIR/media``).

Keys are relative to the backend's root (``MINIO_PREFIX`` for S3):

* ``originals/ab/cd/<sha256>`` — uploaded files, content-addressed (local);
* ``uploads/<id>`` — uploaded files in object storage, kept where their
  multipart upload completed: a server-side copy of a large file to its
  content address would cost as much again as the upload itself. The blob
  table maps each SHA-256 to its object (``Blob.location``), so identical bytes
  are still stored once;
* ``renditions/ab/cd/<sha256>.<ext>`` — derived, metadata-free files;
* ``tmp/…`` — uploads still arriving (local files, resumable-upload tails).

An object becomes visible only when it is complete: local files are renamed
into place, S3 uploads are multipart uploads, invisible until completed. So a
failed upload never leaves a partial object where a reader could find it.

Every backend failure that means "the store cannot be reached or refused to
work" is raised as :class:`~hub.errors.ServiceUnavailable` with the code
``storage_unavailable``; "no such object" is :class:`ObjectMissing`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from hub.errors import ServiceUnavailable

log = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024
MIN_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum for every part but the last


class ObjectMissing(Exception):
    """The object does not exist in the store."""


def storage_unavailable(exc: BaseException | None = None) -> ServiceUnavailable:
    detail = f"{type(exc).__name__}" if exc is not None else ""
    return ServiceUnavailable(
        "Penyimpanan objek sedang tidak tersedia. Coba lagi nanti.",
        "Object storage is temporarily unavailable. Try again later.",
        code="storage_unavailable",
        extra={"cause": detail} if detail else {},
        headers={"Retry-After": "30"},
    )


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def rendition_key(sha256: str, ext: str) -> str:
    return f"renditions/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime | None


_closing: ThreadPoolExecutor | None = None
_closing_lock = threading.Lock()


def _closing_executor() -> ThreadPoolExecutor:
    """Threads that complete small objects while the request goes on (one pool per process)."""
    global _closing
    with _closing_lock:
        if _closing is None:
            _closing = ThreadPoolExecutor(8, thread_name_prefix="object-close")
        return _closing


def _forget_in_child() -> None:
    """A forked child (a web worker forked by gunicorn after `hub up` stored the demo's
    files) builds its own backend and threads: the parent's threads do not exist in it,
    so work queued on their pool would never run, and the parent's pooled connections to
    the object store must not be shared by two processes."""
    global _closing, _closing_lock, _current, _lock
    _closing, _closing_lock = None, threading.Lock()
    _current, _lock = None, threading.Lock()


def _done(result: Any = None) -> Future:
    future: Future = Future()
    future.set_result(result)
    return future


class ObjectWriter:
    """A streaming write of one new object under ``tmp/``.

    ``write`` as often as needed, then ``close`` to complete the object (it is
    then readable at ``temp_key``), or ``abort`` to discard everything written.
    ``close_soon`` completes it in the background where that is quick and
    bounded (a single small write), so the caller can do its own work meanwhile
    and wait on the returned future before anything refers to the object.
    """

    temp_key: str

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def close_soon(self) -> Future:
        """Complete the object; the future fails as ``close`` would."""
        self.close()
        return _done()

    def abort(self) -> None:
        raise NotImplementedError


class Storage:
    """The operations the media store needs from a place that keeps bytes."""

    name = "abstract"

    # -- writing -----------------------------------------------------------------

    def writer(self) -> ObjectWriter:
        """Start a new object; it is invisible until closed, and unreferenced until promoted."""
        raise NotImplementedError

    def promote(self, temp_key: str, key: str) -> str:
        """Keep the completed object `temp_key` as the blob with content address `key`.

        Returns the object's final storage key (its ``Blob.location``): `key`
        where the backend moves it there cheaply, else `temp_key` itself.
        """
        raise NotImplementedError

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store a small object at `key` in one atomic write."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove `key`; removing a missing object is not an error."""
        raise NotImplementedError

    # -- reading -----------------------------------------------------------------

    def stat(self, key: str) -> StoredObject | None:
        raise NotImplementedError

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream `length` bytes (all, when None) of `key` from `start`, in chunks."""
        raise NotImplementedError

    def list(self, prefix: str) -> Iterator[StoredObject]:
        raise NotImplementedError

    def local_path(self, key: str) -> Path | None:
        """A filesystem path tools such as ffprobe can open directly, if the backend has one."""
        return None

    def tool_url(self, key: str) -> str | None:
        """A short-lived URL tools such as ffprobe can read (with range requests), if any."""
        return None

    # -- delivery ----------------------------------------------------------------

    def presigned_url(
        self,
        key: str,
        *,
        ttl: int,
        content_type: str,
        filename: str = "",
        signed_at: datetime | None = None,
    ) -> str | None:
        """A URL valid `ttl` seconds from `signed_at` to download `key`; None if the hub serves."""
        return None

    def public_url(self, key: str) -> str | None:
        """A stable URL outside the hub for public renditions, when one is configured."""
        return None

    # -- resumable uploads ---------------------------------------------------------

    def resumable_begin(self, upload_id: str) -> dict:
        """Prepare to receive a resumable upload; returns the state to keep with it."""
        raise NotImplementedError

    def resumable_append(
        self, upload_id: str, state: dict, offset: int, chunks: Iterator[bytes]
    ) -> tuple[int, dict]:
        """Append `chunks` at `offset`; returns the new durable offset and state.

        `chunks` simply ends early when the client's connection drops; every
        byte it produced is kept and counted, so the client resumes from there.
        Bytes the store held past `offset` (never acknowledged) are dropped.
        """
        raise NotImplementedError

    def resumable_cleanup(self, upload_id: str, state: dict) -> None:
        """Remove what `state` (now recorded) no longer needs."""

    def resumable_complete(self, upload_id: str, state: dict) -> str:
        """Complete the upload as one object under ``tmp/``; returns its key."""
        raise NotImplementedError

    def resumable_abort(self, upload_id: str, state: dict) -> None:
        raise NotImplementedError

    def abandoned_uploads(
        self, older_than: datetime, keep: set[str] = frozenset()
    ) -> Iterator[str]:
        """Discard incomplete writes older than `older_than` (except `keep`); yields their keys."""
        return iter(())

    # -- health ------------------------------------------------------------------

    def check(self) -> tuple[str, str]:
        raise NotImplementedError


# --------------------------------------------------------------------------------------
# Local filesystem
# --------------------------------------------------------------------------------------


class _LocalWriter(ObjectWriter):
    def __init__(self, storage: LocalStorage):
        self.storage = storage
        self.temp_key = f"tmp/{uuid.uuid4().hex}"
        self.path = storage.path(self.temp_key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, "xb")  # noqa: SIM115 - closed in close()/abort()

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def close(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()

    def close_soon(self) -> Future:
        return _closing_executor().submit(self.close)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class LocalStorage(Storage):
    """Objects as files under one directory. Writes go to ``tmp/`` and are renamed into place."""

    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"key escapes the storage root: {key!r}")
        return path

    def _io(self, exc: OSError) -> ServiceUnavailable:
        log.warning("local media storage failed: %s", exc)
        return storage_unavailable(exc)

    def writer(self) -> ObjectWriter:
        try:
            return _LocalWriter(self)
        except OSError as exc:
            raise self._io(exc) from exc

    def promote(self, temp_key: str, key: str) -> str:
        source, target = self.path(temp_key), self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        except OSError as exc:
            raise self._io(exc) from exc
        return key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        writer = self.writer()
        try:
            writer.write(data)
            writer.close()
            self.promote(writer.temp_key, key)
        except BaseException:
            writer.abort()
            raise

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise self._io(exc) from exc

    def stat(self, key: str) -> StoredObject | None:
        try:
            info = self.path(key).stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._io(exc) from exc
        return StoredObject(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        try:
            handle = open(self.path(key), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise self._io(exc) from exc
        return self._chunks(handle, start, length)

    @staticmethod
    def _chunks(handle, start: int, length: int | None) -> Iterator[bytes]:
        with handle:
            handle.seek(start)
            remaining = length
            while remaining is None or remaining > 0:
                size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                data = handle.read(size)
                if not data:
                    return
                if remaining is not None:
                    remaining -= len(data)
                yield data

    def list(self, prefix: str) -> Iterator[StoredObject]:
        base = self.path(prefix) if prefix else self.root
        if not base.exists():
            return
        for directory, _dirs, files in os.walk(base):
            for name in sorted(files):
                path = Path(directory) / name
                with contextlib.suppress(FileNotFoundError):
                    info = path.stat()
                    key = path.relative_to(self.root).as_posix()
                    yield StoredObject(
                        key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)
                    )

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    # A resumable upload is one file under tmp/tus/, appended to in place.

    def _resumable_path(self, upload_id: str) -> Path:
        return self.path(f"tmp/tus/{upload_id}")

    def resumable_begin(self, upload_id: str) -> dict:
        path = self._resumable_path(upload_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=False)
        except OSError as exc:
            raise self._io(exc) from exc
        return {}

    def resumable_append(
        self, upload_id: str, state: dict, offset: int, chunks: Iterator[bytes]
    ) -> tuple[int, dict]:
        path = self._resumable_path(upload_id)
        try:
            handle = open(path, "r+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise self._io(exc) from exc
        written = offset
        try:
            # Bytes past the recorded offset were never acknowledged: drop them.
            handle.truncate(offset)
            handle.seek(offset)
            try:
                for chunk in chunks:
                    handle.write(chunk)
                    written += len(chunk)
            finally:
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise self._io(exc) from exc
        finally:
            handle.close()
        return written, state

    def resumable_complete(self, upload_id: str, state: dict) -> str:
        temp_key = f"tmp/{uuid.uuid4().hex}"
        try:
            os.replace(self._resumable_path(upload_id), self.path(temp_key))
        except OSError as exc:
            raise self._io(exc) from exc
        return temp_key

    def resumable_abort(self, upload_id: str, state: dict) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._resumable_path(upload_id).unlink()

    def check(self) -> tuple[str, str]:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()
        usage = shutil.disk_usage(self.root)
        return "ok", f"local {self.root} ({usage.free // 2**30} GiB free)"


# --------------------------------------------------------------------------------------
# S3-compatible object storage
# --------------------------------------------------------------------------------------


def _s3_errors() -> tuple[type[BaseException], ...]:
    import urllib3
    from minio.error import MinioException

    return (MinioException, urllib3.exceptions.HTTPError, OSError)


class _S3Writer(ObjectWriter):
    """Multipart upload to ``uploads/<id>``: parts are sent while the next ones fill.

    At most ``MINIO_UPLOAD_CONCURRENCY`` parts are in flight and one is
    filling, so memory stays at about ``(concurrency + 1) × part size`` whatever
    the object size. Until CompleteMultipartUpload, the store shows no object.
    """

    def __init__(self, storage: S3Storage):
        self.storage = storage
        self.temp_key = f"uploads/{uuid.uuid4().hex}"
        self.name = storage.object_name(self.temp_key)
        # Received chunks of the part being filled: joined once when it is sent.
        self.chunks: list[bytes] = []
        self.filled = 0
        self.upload_id: str | None = None
        self.parts: list[Any] = []
        self.pending: deque[tuple[int, Future]] = deque()
        self.completed = False
        self.executor: ThreadPoolExecutor | None = None

    def write(self, data: bytes) -> None:
        self.chunks.append(bytes(data))
        self.filled += len(data)
        if self.filled >= self.storage.part_size:
            self._send_part()

    def _take(self) -> bytes:
        data = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        self.chunks, self.filled = [], 0
        return data

    def _send_part(self) -> None:
        client, bucket = self.storage.client, self.storage.bucket
        try:
            if self.upload_id is None:
                self.upload_id = client._create_multipart_upload(
                    bucket, self.name, {"Content-Type": "application/octet-stream"}
                )
                self.executor = ThreadPoolExecutor(
                    self.storage.concurrency, thread_name_prefix="s3-part"
                )
            while len(self.pending) >= self.storage.concurrency:
                self._collect()
            data = self._take()
            number = len(self.parts) + len(self.pending) + 1
            future = self.executor.submit(
                client._upload_part, bucket, self.name, data, None, self.upload_id, number
            )
            self.pending.append((number, future))
        except _s3_errors() as exc:
            raise self.storage.unavailable(exc) from exc

    def _collect(self) -> None:
        """Wait for the oldest part in flight; its failure is the upload's failure."""
        from minio.datatypes import Part

        number, future = self.pending.popleft()
        self.parts.append(Part(number, future.result()))

    def _wait(self) -> None:
        while self.pending:
            self._collect()

    def close(self) -> None:
        client, bucket = self.storage.client, self.storage.bucket
        try:
            if self.upload_id is None:
                data = self._take()
                client._put_object(
                    bucket, self.name, data, {"Content-Type": "application/octet-stream"}
                )
            else:
                if self.chunks or not (self.parts or self.pending):
                    self._send_part()
                self._wait()
                client._complete_multipart_upload(bucket, self.name, self.upload_id, self.parts)
            self.completed = True
        except _s3_errors() as exc:
            raise self.storage.unavailable(exc) from exc
        finally:
            self._shutdown()

    def close_soon(self) -> Future:
        # An object smaller than one part is a single PUT: sent in the background.
        # A multipart upload completes here: its last part is the caller's to wait for.
        if self.upload_id is None:
            return _closing_executor().submit(self.close)
        return super().close_soon()

    def abort(self) -> None:
        self.chunks, self.filled = [], 0
        while self.pending:
            with contextlib.suppress(Exception):
                self._collect()
        self._shutdown()
        client, bucket = self.storage.client, self.storage.bucket
        try:
            if self.completed:
                client.remove_object(bucket, self.name)
            elif self.upload_id is not None:
                client._abort_multipart_upload(bucket, self.name, self.upload_id)
        except _s3_errors() as exc:
            # The store is gone; the incomplete upload is invisible to readers and
            # `media-scrub` aborts it once it is older than the grace period.
            log.warning("could not discard %s: %s", self.name, exc)

    def _shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None


class S3Storage(Storage):
    """Objects in one bucket of an S3-compatible store, under ``MINIO_PREFIX``."""

    name = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str,
        secure: bool,
        path_style: bool = True,
        prefix: str = "",
        public_base_url: str = "",
        part_size: int = 8 * 1024 * 1024,
        concurrency: int = 3,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
    ):
        import urllib3
        from minio import Minio

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.public_base_url = public_base_url.rstrip("/")
        self.part_size = max(part_size, MIN_PART_SIZE)
        self.concurrency = max(concurrency, 1)
        self.endpoint = endpoint
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=32,
            # Few, quick retries: a store that is down must answer 503 promptly,
            # not after minutes of backoff.
            retries=urllib3.Retry(
                total=3,
                connect=2,
                read=1,
                backoff_factor=0.1,
                status_forcelist=[500, 502, 503, 504],
                allowed_methods=None,
            ),
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        if path_style:
            self.client.disable_virtual_style_endpoint()
        else:
            self.client.enable_virtual_style_endpoint()

    def object_name(self, key: str) -> str:
        return self.prefix + key

    def key_of(self, object_name: str) -> str:
        return object_name[len(self.prefix) :]

    def unavailable(self, exc: BaseException) -> ServiceUnavailable:
        log.warning("object storage at %s failed: %s", self.endpoint, exc)
        return storage_unavailable(exc)

    def _missing(self, exc: BaseException) -> bool:
        from minio.error import S3Error

        return isinstance(exc, S3Error) and exc.code in {"NoSuchKey", "NoSuchObject", "NotFound"}

    def writer(self) -> ObjectWriter:
        return _S3Writer(self)

    def promote(self, temp_key: str, key: str) -> str:
        # The completed upload stays where it is (no server-side copy); the
        # blob row records it as the object behind content address `key`.
        return temp_key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        import io

        try:
            self.client.put_object(
                self.bucket, self.object_name(key), io.BytesIO(data), len(data), content_type
            )
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, self.object_name(key))
        except _s3_errors() as exc:
            if self._missing(exc):
                return
            raise self.unavailable(exc) from exc

    def stat(self, key: str) -> StoredObject | None:
        try:
            info = self.client.stat_object(self.bucket, self.object_name(key))
        except _s3_errors() as exc:
            if self._missing(exc):
                return None
            raise self.unavailable(exc) from exc
        return StoredObject(key, info.size or 0, info.last_modified)

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        try:
            response = self.client.get_object(
                self.bucket, self.object_name(key), offset=start, length=length or 0
            )
        except _s3_errors() as exc:
            if self._missing(exc):
                raise ObjectMissing(key) from None
            raise self.unavailable(exc) from exc
        return self._chunks(response)

    def _chunks(self, response) -> Iterator[bytes]:
        try:
            yield from response.stream(READ_CHUNK)
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc
        finally:
            response.close()
            response.release_conn()

    def list(self, prefix: str) -> Iterator[StoredObject]:
        try:
            for item in self.client.list_objects(
                self.bucket, prefix=self.object_name(prefix), recursive=True
            ):
                if item.is_dir:
                    continue
                yield StoredObject(
                    self.key_of(item.object_name), item.size or 0, item.last_modified
                )
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc

    def tool_url(self, key: str) -> str | None:
        return self.client.presigned_get_object(
            self.bucket, self.object_name(key), expires=timedelta(hours=2)
        )

    def presigned_url(
        self,
        key: str,
        *,
        ttl: int,
        content_type: str,
        filename: str = "",
        signed_at: datetime | None = None,
    ) -> str | None:
        headers = {"response-content-type": content_type}
        if filename:
            from media_store.files import content_disposition

            headers["response-content-disposition"] = content_disposition(filename)
        return self.client.presigned_get_object(
            self.bucket,
            self.object_name(key),
            expires=timedelta(seconds=ttl),
            response_headers=headers,
            request_date=signed_at,
        )

    def public_url(self, key: str) -> str | None:
        if not self.public_base_url:
            return None
        return f"{self.public_base_url}/{self.object_name(key)}"

    # A resumable upload is an S3 multipart upload to uploads/<id>. Full parts
    # are uploaded as they fill; the remainder (smaller than a part) is kept
    # between requests as a small object tmp/tus/<id>/tail-<end offset>. A new
    # tail never overwrites the one the recorded state names, so a crash between
    # storing bytes and recording the new offset cannot corrupt what was
    # acknowledged; `resumable_cleanup` drops superseded tails afterwards.

    def _tus_name(self, upload_id: str) -> str:
        return self.object_name(f"uploads/{upload_id}")

    def resumable_begin(self, upload_id: str) -> dict:
        try:
            upload = self.client._create_multipart_upload(
                self.bucket, self._tus_name(upload_id), {"Content-Type": "application/octet-stream"}
            )
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc
        return {"upload_id": upload, "parts": [], "tail_key": None, "tail": 0}

    def _read_tail(self, state: dict, size: int) -> bytearray:
        data = bytearray()
        if size <= 0 or not state.get("tail_key"):
            return data
        for chunk in self.read(state["tail_key"], 0, size):
            data += chunk
        return data

    def resumable_append(
        self, upload_id: str, state: dict, offset: int, chunks: Iterator[bytes]
    ) -> tuple[int, dict]:
        import io

        parts = [list(part) for part in state["parts"]]
        in_parts = sum(size for _n, _etag, size in parts)
        name = self._tus_name(upload_id)
        try:
            buffer = self._read_tail(state, offset - in_parts)
            for chunk in chunks:
                buffer += chunk
                while len(buffer) >= self.part_size:
                    data = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    number = len(parts) + 1
                    etag = self.client._upload_part(
                        self.bucket, name, data, None, state["upload_id"], number
                    )
                    parts.append([number, etag, len(data)])
                    in_parts += len(data)
            end = in_parts + len(buffer)
            tail_key = None
            if buffer:
                tail_key = f"tmp/tus/{upload_id}/tail-{end}"
                self.client.put_object(
                    self.bucket, self.object_name(tail_key), io.BytesIO(buffer), len(buffer)
                )
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc
        return end, {**state, "parts": parts, "tail_key": tail_key, "tail": len(buffer)}

    def resumable_cleanup(self, upload_id: str, state: dict) -> None:
        current = state.get("tail_key")
        for item in self.list(f"tmp/tus/{upload_id}/"):
            if item.key != current:
                self.delete(item.key)

    def resumable_complete(self, upload_id: str, state: dict) -> str:
        from minio.datatypes import Part

        name = self._tus_name(upload_id)
        parts = [Part(number, etag) for number, etag, _size in state["parts"]]
        try:
            tail = self._read_tail(state, state.get("tail", 0))
            if tail or not parts:
                number = len(parts) + 1
                etag = self.client._upload_part(
                    self.bucket, name, bytes(tail), None, state["upload_id"], number
                )
                parts.append(Part(number, etag))
            self.client._complete_multipart_upload(self.bucket, name, state["upload_id"], parts)
        except _s3_errors() as exc:
            raise self.unavailable(exc) from exc
        self.resumable_cleanup(upload_id, {})
        return f"uploads/{upload_id}"

    def resumable_abort(self, upload_id: str, state: dict) -> None:
        if state.get("upload_id"):
            with contextlib.suppress(*_s3_errors()):
                self.client._abort_multipart_upload(
                    self.bucket, self._tus_name(upload_id), state["upload_id"]
                )
        self.resumable_cleanup(upload_id, {})
        self.delete(f"uploads/{upload_id}")

    def abandoned_uploads(
        self, older_than: datetime, keep: set[str] = frozenset()
    ) -> Iterator[str]:
        marker_key = marker_id = None
        while True:
            try:
                result = self.client._list_multipart_uploads(
                    self.bucket,
                    prefix=self.prefix,
                    key_marker=marker_key,
                    upload_id_marker=marker_id,
                )
            except _s3_errors() as exc:
                raise self.unavailable(exc) from exc
            for upload in result.uploads:
                started = upload.initiated_time
                key = self.key_of(upload.object_name)
                if key in keep or not key.startswith(("uploads/", "tmp/")):
                    continue
                if started is not None and started < older_than:
                    with contextlib.suppress(*_s3_errors()):
                        self.client._abort_multipart_upload(
                            self.bucket, upload.object_name, upload.upload_id
                        )
                        yield self.key_of(upload.object_name)
            if not result.is_truncated:
                return
            marker_key, marker_id = result.next_key_marker, result.next_upload_id_marker

    def check(self) -> tuple[str, str]:
        try:
            exists = self.client.bucket_exists(self.bucket)
        except _s3_errors() as exc:
            return "down", f"{type(exc).__name__} at {self.endpoint}"
        if not exists:
            return "down", f"bucket {self.bucket!r} does not exist at {self.endpoint}"
        return "ok", f"s3 {self.endpoint}/{self.bucket}"


# --------------------------------------------------------------------------------------
# The configured backend
# --------------------------------------------------------------------------------------

_lock = threading.Lock()
_current: Storage | None = None


os.register_at_fork(after_in_child=_forget_in_child)


def build_storage() -> Storage:
    """The backend the settings describe (a new instance)."""
    if settings.HUB_STORAGE == "s3":
        return S3Storage(
            endpoint=settings.MINIO_ENDPOINT,
            access_key=settings.MINIO_ACCESS_KEY,
            secret_key=settings.MINIO_SECRET_KEY,
            bucket=settings.MINIO_BUCKET,
            region=settings.MINIO_REGION,
            secure=settings.MINIO_SECURE,
            path_style=settings.MINIO_PATH_STYLE,
            prefix=settings.MINIO_PREFIX,
            public_base_url=settings.MINIO_PUBLIC_BASE_URL,
            part_size=settings.MINIO_PART_SIZE,
            concurrency=settings.MINIO_UPLOAD_CONCURRENCY,
            connect_timeout=settings.MINIO_CONNECT_TIMEOUT,
            read_timeout=settings.MINIO_READ_TIMEOUT,
        )
    return LocalStorage(Path(settings.HUB_MEDIA_ROOT))


def get_storage() -> Storage:
    """The process-wide backend, built on first use from the settings."""
    global _current
    with _lock:
        if _current is None:
            _current = build_storage()
        return _current


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _current
    if setting == "HUB_STORAGE" or setting.startswith(("MINIO_", "HUB_MEDIA_ROOT")):
        with _lock:
            _current = None


def check_storage() -> tuple[str, str]:
    """Readiness: the configured store answers and accepts work."""
    return get_storage().check()
