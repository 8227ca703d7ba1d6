"""Receiving upload bodies: streamed, inspected and hashed, in constant memory.

A multipart upload is parsed as it arrives by python-multipart's streaming
parser: every chunk of the ``file`` part goes straight to a :class:`Receiver`
(inspection + a streaming write under ``tmp/`` in storage). Nothing buffers
the file in memory or in a temporary file, and each chunk is copied once on
its way (Django's own parser copies the body several times over). A body that
ends before its ``Content-Length`` (a dropped connection) is detected and
discarded, never stored as a truncated file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from hub.errors import (
    FieldError,
    MalformedRequest,
    PayloadTooLarge,
    ValidationFailed,
    nul_character,
)
from media_store.files import safe_filename
from media_store.inspect import ContentInspector, Inspection
from media_store.storage import ObjectWriter, Storage

try:
    from gunicorn.http.body import Body as _GunicornBody
    from gunicorn.http.body import LengthReader as _GunicornLengthReader
    from gunicorn.http.unreader import SocketUnreader as _GunicornSocketUnreader
except ImportError:  # served by another WSGI server
    _GunicornBody = _GunicornLengthReader = _GunicornSocketUnreader = None

log = logging.getLogger(__name__)

# Large reads keep the per-chunk Python work (boundary search, hashing calls) small.
CHUNK = 4 * 1024 * 1024
# Room for the multipart framing and the form fields around the file.
MULTIPART_OVERHEAD = 1024 * 1024


def incomplete() -> MalformedRequest:
    return MalformedRequest(
        "Unggahan terputus sebelum selesai; tidak ada yang disimpan.",
        "The upload ended before it was complete; nothing was stored.",
        code="upload_incomplete",
    )


@dataclass
class StagedUpload:
    """Bytes received and validated, held under ``tmp/`` until they become an asset.

    The object may still be completing in the background (``completion``):
    :meth:`wait` before a committed row refers to it.
    """

    storage: Storage
    temp_key: str
    inspection: Inspection
    filename: str
    adopted: bool = False  # the bytes became a blob: nothing to discard
    writer: ObjectWriter | None = None
    completion: Future | None = None

    def wait(self) -> None:
        """Return once the object is complete; raise (and discard it) if it could not be."""
        if self.completion is None:
            return
        try:
            self.completion.result()
        except BaseException:
            self.completion = None
            if self.writer is not None:
                self.writer.abort()
            self.adopted = True  # nothing left to discard
            raise
        self.completion = None

    def discard(self) -> None:
        """Remove the received object unless a blob adopted it (best effort: scrub cleans up)."""
        if self.adopted:
            return
        try:
            self.wait()
        except Exception:  # noqa: BLE001 - it failed to complete: already discarded
            return
        try:
            self.storage.delete(self.temp_key)
        except Exception as exc:  # noqa: BLE001 - cleanup must not mask the real error
            log.warning("could not remove %s: %s", self.temp_key, exc)


class Receiver:
    """One file arriving in chunks: inspected first, then written to storage.

    The inspector sees each chunk before storage does, so a refused type is
    rejected before a single byte is written. With ``storage=None`` nothing is
    written at all (a lookup only needs the hashes).
    """

    def __init__(self, *, storage: Storage | None, limit: int, image_hook=None):
        self.storage = storage
        self.inspector = ContentInspector(limit=limit, image_hook=image_hook)
        self.writer: ObjectWriter | None = None
        self.completion: Future | None = None

    def write(self, chunk: bytes) -> None:
        self.inspector.feed(chunk)
        if self.storage is not None:
            if self.writer is None:
                self.writer = self.storage.writer()
            self.writer.write(chunk)

    def finish(self, filename: str) -> StagedUpload | Inspection:
        """Validate and complete; a StagedUpload (or just the Inspection without storage).

        A small object completes in the background: the StagedUpload's
        :meth:`~StagedUpload.wait` says when (and whether) it is stored.
        """
        try:
            # Nothing leaves for storage before the type is accepted. The rest of
            # the validation (decoding an image in full, hashing the last chunk)
            # runs while a small object is written; a refusal then discards it.
            self.inspector.settle()
            if self.writer is not None:
                self.completion = self.writer.close_soon()
            inspection = self.inspector.finish()
            if self.writer is None:
                return inspection
        except BaseException:
            self.abort()
            raise
        completion, self.completion = self.completion, None
        return StagedUpload(
            self.storage,
            self.writer.temp_key,
            inspection,
            filename,
            writer=self.writer,
            completion=completion,
        )

    def abort(self) -> None:
        self.inspector.close()
        if self.completion is not None:
            # A completion in flight finishes first: abort then removes what it wrote.
            with contextlib.suppress(Exception):
                self.completion.result()
            self.completion = None
        if self.writer is not None:
            self.writer.abort()
            self.writer = None


class _FormReader:
    """The parts of one ``multipart/form-data`` body, fed to python-multipart's parser.

    The first file part named ``file`` goes chunk by chunk to a Receiver; other
    file parts are skipped; form fields are collected as text, within Django's
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` / ``DATA_UPLOAD_MAX_NUMBER_FILES`` /
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` limits. Each received chunk is copied once,
    into the piece handed on; nothing else of the file is kept.
    """

    def __init__(self, make_receiver: Callable[[], Receiver], charset: str, field: str = "file"):
        self.make_receiver = make_receiver
        self.charset = charset
        self.field = field
        self.receiver: Receiver | None = None
        self.filename = ""
        self.completed = False  # the file part ended (not cut off by the body's end)
        self.ended = False  # the closing boundary was seen
        self.fields: dict[str, list[str]] = {}
        self.field_bytes = 0
        self.files = 0
        # The part being read.
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.target: str | None = None  # "file", "field", or None (skipped)
        self.name = ""
        self.value = bytearray()

    def callbacks(self) -> dict[str, Callable]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.headers, self.target, self.name, self.value = {}, None, "", bytearray()
        self.header_name = self.header_value = b""

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_name.strip().lower()] = self.header_value.strip()
        self.header_name = self.header_value = b""

    def headers_finished(self) -> None:
        # Header bytes map 1:1 onto latin-1 text; names are UTF-8 as browsers send them.
        disposition, params = parse_options_header(
            self.headers.get(b"content-disposition", b"").decode("latin-1")
        )
        if disposition != b"form-data" or b"name" not in params:
            raise _malformed()
        self.name = params[b"name"].decode("utf-8", "replace")
        if b"filename" in params:
            self.files += 1
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            if limit is not None and self.files > limit:
                raise _malformed()
            if self.name == self.field and self.receiver is None:
                # The client's name is a label only; its content type is ignored.
                self.filename = safe_filename(params[b"filename"].decode("utf-8", "replace"))
                self.receiver = self.make_receiver()
                self.target = "file"
            return
        count = sum(len(values) for values in self.fields.values()) + 1
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        if limit is not None and count > limit:
            raise _malformed()
        self.target = "field"

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.target == "file":
            self.receiver.write(data[start:end])
        elif self.target == "field":
            self.field_bytes += end - start
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and self.field_bytes > limit:
                raise PayloadTooLarge(code="fields_too_large")
            self.value += data[start:end]

    def part_end(self) -> None:
        if self.target == "file":
            self.completed = True
        elif self.target == "field":
            _, params = parse_options_header(
                self.headers.get(b"content-type", b"").decode("latin-1")
            )
            charset = params.get(b"charset", b"").decode("latin-1") or self.charset
            try:
                text = self.value.decode(charset, "replace")
            except LookupError:  # an unknown charset
                text = self.value.decode(self.charset, "replace")
            if "\x00" in text or "\x00" in self.name:
                raise nul_character(self.name.replace("\x00", ""))
            self.fields.setdefault(self.name, []).append(text)
        self.target = None

    def end(self) -> None:
        self.ended = True

    def abort(self) -> None:
        if self.receiver is not None:
            self.receiver.abort()


def _malformed() -> MalformedRequest:
    return MalformedRequest("Isi multipart tidak valid.", "The multipart body is malformed.")


class _SocketBodyReader:
    """``read(size)`` of a gunicorn request body straight from the client's socket.

    gunicorn's own reader receives 8 KiB at a time and copies every piece
    through two buffers; this one receives into one buffer per read and copies
    once. Bytes gunicorn already took off the socket come first; it never reads
    past the body (``Content-Length``) and keeps gunicorn's count of what is
    left, so the connection stays usable for the next request.
    """

    def __init__(self, reader):
        self.reader = reader  # gunicorn LengthReader over a SocketUnreader
        self.unreader = reader.unreader
        self.buffer = bytearray()

    def read(self, size: int) -> bytes:
        size = min(size, self.reader.length)
        if size <= 0:
            return b""
        pending = self.unreader.buf
        pending.seek(0, os.SEEK_END)
        if pending.tell():
            data = pending.getvalue()
            self.unreader.buf = io.BytesIO()
            self.unreader.buf.write(data[size:])
            data = data[:size]
        else:
            if len(self.buffer) < size:
                self.buffer = bytearray(size)
            view = memoryview(self.buffer)
            received = 0
            try:
                while received < size:
                    count = self.unreader.sock.recv_into(view[received:size])
                    if not count:
                        break
                    received += count
                data = bytes(view[:received])
            finally:
                view.release()
        self.reader.length -= len(data)
        return data


def body_reader(request: HttpRequest) -> Callable[[int], bytes]:
    """A ``read(size)`` for the request body that keeps large reads large.

    gunicorn's ``wsgi.input`` serves every read in 1 KiB steps, each through a
    fresh buffer: reading a large upload that way costs more CPU than hashing and
    storing it. When the body is such a stream and nothing was read from it yet,
    read it from the socket in large pieces (never past Content-Length). Other
    servers' streams are read as they are.
    """
    stream = request.META.get("wsgi.input")
    if (
        _GunicornBody is not None
        and isinstance(stream, _GunicornBody)
        and isinstance(stream.reader, _GunicornLengthReader)
        and stream.buf.tell() == 0
        and not request._read_started
    ):
        request._read_started = True  # Django must not read this body again
        if isinstance(stream.reader.unreader, _GunicornSocketUnreader):
            return _SocketBodyReader(stream.reader).read
        return stream.reader.read
    return request.read


class _CountingStream:
    """The request body, counting what arrives and noticing when it stops short."""

    def __init__(self, request: HttpRequest, length: int):
        self.read_body = body_reader(request)
        self.length = length
        self.received = 0
        self.broken = False

    def read(self, size: int = -1) -> bytes:
        remaining = self.length - self.received
        size = remaining if size is None or size < 0 else min(size, remaining)
        if size <= 0:
            return b""
        try:
            data = self.read_body(size)
        except OSError:
            self.broken = True
            return b""
        self.received += len(data)
        return data


def content_length(request: HttpRequest) -> int:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        raise MalformedRequest(
            "Header Content-Length wajib diisi.",
            "A Content-Length header is required.",
            code="length_required",
        )
    return length


class MultipartBody:
    """A ``multipart/form-data`` request body that has not been read yet."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.content_length = content_length(request)

    def receive(
        self, make_receiver: Callable[[], Receiver]
    ) -> tuple[dict[str, list[str]], StagedUpload | Inspection]:
        """Read the whole body; returns the form fields and the received file.

        Raises (after discarding everything written) when the body is malformed,
        incomplete, has no ``file`` part, or the file is refused.
        """
        _, params = parse_options_header(self.request.META.get("CONTENT_TYPE", ""))
        boundary = params.get(b"boundary", b"")
        if not boundary or len(boundary) > 70:
            raise _malformed()
        stream = _CountingStream(self.request, self.content_length)
        form = _FormReader(make_receiver, self.request.encoding or settings.DEFAULT_CHARSET)
        try:
            parser = MultipartParser(boundary, form.callbacks())
            while chunk := stream.read(CHUNK):
                parser.write(chunk)
            if stream.broken or stream.received < self.content_length:
                raise incomplete()
            parser.finalize()
            if not form.ended:
                raise _malformed()
        except FormParserError:
            form.abort()
            raise _malformed() from None
        except BaseException:
            form.abort()
            raise
        if form.receiver is None or not form.completed:
            form.abort()
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "file", "required", "Berkas wajib dikirim.", "A file part is required."
                    )
                ]
            )
        return form.fields, form.receiver.finish(form.filename)


# tus checksum extension: the algorithms a client may name in Upload-Checksum.
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha512", "md5")


@dataclass(frozen=True)
class Checksum:
    """A tus ``Upload-Checksum``: the digest a client computed over one PATCH body."""

    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header: str | None) -> Checksum | None:
        """The header ``<algorithm> <base64 digest>``; ValidationFailed when unusable."""
        if header is None:
            return None
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise _header_error(
                "checksum_algorithm",
                f"Algoritme Upload-Checksum yang didukung: {', '.join(CHECKSUM_ALGORITHMS)}.",
                f"Upload-Checksum algorithms supported: {', '.join(CHECKSUM_ALGORITHMS)}.",
            )
        try:
            digest = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != hashlib.new(algorithm).digest_size:
            raise _header_error(
                "invalid_checksum",
                "Upload-Checksum harus berisi digest base64 yang lengkap.",
                "Upload-Checksum must hold a whole base64 digest.",
            )
        return cls(algorithm, digest)

    def hasher(self):
        return hashlib.new(self.algorithm)


def _header_error(code: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError("Upload-Checksum", code, message_id, message_en)])


class BodyChunks:
    """A raw request body (tus PATCH) as chunks; stops quietly if the client goes away.

    After iteration, ``interrupted`` tells whether fewer than ``length`` bytes came.
    """

    def __init__(self, request: HttpRequest, length: int):
        self.request = request
        self.length = length
        self.received = 0
        self.interrupted = False

    def __iter__(self) -> Iterator[bytes]:
        read = body_reader(self.request)
        while self.received < self.length:
            try:
                data = read(min(CHUNK, self.length - self.received))
            except OSError:
                data = b""
            if not data:
                self.interrupted = True
                return
            self.received += len(data)
            yield data


def read_all(chunks: Iterator[bytes], receiver: Receiver) -> None:
    """Feed every chunk to `receiver`, aborting it if anything fails."""
    try:
        for chunk in chunks:
            receiver.write(chunk)
    except BaseException:
        with contextlib.suppress(Exception):
            receiver.abort()
        raise
