"""Reading multipart/form-data upload bodies: fields, the file part, and every way a body is bad."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.test import RequestFactory

from hub.errors import MalformedRequest, PayloadTooLarge, ValidationFailed
from media_store import uploads
from media_store.uploads import MultipartBody, Receiver
from tests.media_store.conftest import BOUNDARY, multipart

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64


def _receive(body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    request = RequestFactory().generic(
        "POST",
        "/api/v1/media/",
        b"",
        **{
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": content_type,
        },
    )
    return MultipartBody(request).receive(lambda: Receiver(storage=None, limit=10**9))


def _part(name: str, value: bytes, *, filename: str | None = None, headers: str = "") -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{headers}\r\n"
    return head.encode() + value + b"\r\n"


def _body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_fields_and_file_are_received_exactly():
    fields, inspection = _receive(multipart(PDF, "laporan.pdf", title="Laporan", tags="a,b"))
    assert fields == {"title": ["Laporan"], "tags": ["a,b"]}
    assert inspection.sha256 == hashlib.sha256(PDF).hexdigest()
    assert inspection.size == len(PDF)
    assert inspection.mime == "application/pdf"


def test_boundary_split_across_reads_and_lookalikes_in_the_file(monkeypatch):
    # Bytes that start like the boundary must stay file content, whatever the read size.
    data = PDF + f"\r\n--{BOUNDARY[:-1]}\r\n--{BOUNDARY}x".encode() + PDF
    body = _body(_part("title", b"Banjir Malang"), _part("file", data, filename="a.pdf"))
    for size in (1, 7, 64, 4096):
        monkeypatch.setattr(uploads, "CHUNK", size)
        fields, inspection = _receive(body)
        assert fields == {"title": ["Banjir Malang"]}
        assert inspection.sha256 == hashlib.sha256(data).hexdigest()


def test_repeated_fields_keep_every_value_and_utf8_is_read():
    body = _body(
        _part("tags", b"banjir"),
        _part("tags", b"longsor"),
        _part("title", "Peringatan dini cuaca — Jawa Timur".encode()),
        _part("file", PDF, filename="laporan-ñ-東.pdf"),
    )
    fields, inspection = _receive(body)
    assert fields == {
        "tags": ["banjir", "longsor"],
        "title": ["Peringatan dini cuaca — Jawa Timur"],
    }
    assert inspection.size == len(PDF)


def test_field_charset_from_its_content_type():
    body = _body(
        _part(
            "title",
            "Café".encode("latin-1"),
            headers="Content-Type: text/plain; charset=latin-1\r\n",
        ),
        _part("file", PDF, filename="a.pdf"),
    )
    fields, _ = _receive(body)
    assert fields == {"title": ["Café"]}


def _filenames(body: bytes) -> tuple[list[str], object]:
    """The file names the receivers were finished with, and the inspection."""
    names = []

    class Named(Receiver):
        def finish(self, filename):
            names.append(filename)
            return super().finish(filename)

    request = RequestFactory().generic(
        "POST",
        "/",
        b"",
        **{
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
    _, inspection = MultipartBody(request).receive(lambda: Named(storage=None, limit=10**9))
    return names, inspection


def test_filename_is_a_label_and_other_file_parts_are_skipped():
    other = b"%PDF-1.7\nlain"
    names, inspection = _filenames(
        _body(
            _part("lampiran", other, filename="lain.pdf"),
            _part("file", PDF, filename="../../etc/passwd"),
            _part("file", other, filename="kedua.pdf"),
        )
    )
    assert names == ["passwd"]
    assert inspection.sha256 == hashlib.sha256(PDF).hexdigest()


def test_utf8_filenames_are_kept():
    names, _ = _filenames(_body(_part("file", PDF, filename="laporan-ñ-東京.pdf")))
    assert names == ["laporan-ñ-東京.pdf"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"this is not multipart at all", None),
        (multipart(PDF, "a.pdf")[:-8] + b"garbage!", None),  # no closing boundary
        (_body(f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n".encode()), None),
        (_body(_part("file", PDF, filename="a.pdf")), "multipart/form-data"),  # no boundary
        (_body(_part("file", PDF, filename="a.pdf")), "multipart/form-data; boundary=" + "b" * 71),
        (
            f"--{BOUNDARY}\r\n".encode() + b"".join(f"X-H{i}: v\r\n".encode() for i in range(50)),
            None,
        ),
    ],
    ids=["garbage", "unterminated", "no-disposition", "no-boundary", "long-boundary", "headers"],
)
def test_malformed_bodies_are_refused(body, content_type):
    with pytest.raises(MalformedRequest) as raised:
        _receive(body, content_type or f"multipart/form-data; boundary={BOUNDARY}")
    assert raised.value.code == "malformed_request"


def test_too_many_fields_are_refused(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    parts = [_part(f"f{i}", b"x") for i in range(4)]
    with pytest.raises(MalformedRequest):
        _receive(_body(*parts, _part("file", PDF, filename="a.pdf")))


def test_too_many_files_are_refused(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    parts = [_part("file", PDF, filename=f"{i}.pdf") for i in range(3)]
    with pytest.raises(MalformedRequest):
        _receive(_body(*parts))


def test_fields_beyond_the_memory_limit_are_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _body(_part("description", b"x" * 1001), _part("file", PDF, filename="a.pdf"))
    with pytest.raises(PayloadTooLarge) as raised:
        _receive(body)
    assert raised.value.code == "fields_too_large"


def test_a_body_without_a_file_part_names_the_field():
    with pytest.raises(ValidationFailed) as raised:
        _receive(_body(_part("title", b"Tanpa berkas")))
    assert [(e.field, e.code) for e in raised.value.errors] == [("file", "required")]
