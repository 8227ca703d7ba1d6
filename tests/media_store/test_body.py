"""Request bodies as gunicorn hands them to Django: read whole, fast, and never short."""

from __future__ import annotations

import hashlib
import os
import socket
import threading

import pytest
from django.test import RequestFactory
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from hub.errors import MalformedRequest
from media_store.uploads import MultipartBody, Receiver, _SocketBodyReader, body_reader
from tests.media_store.conftest import BOUNDARY, multipart


def _request(body: bytes, *, send: int):
    """A Django request whose wsgi.input is gunicorn's own body reader on a real socket."""
    server, client = socket.socketpair()

    def feed():
        try:
            client.sendall(body[:send])
        except OSError:
            pass  # the reader stopped early and went away
        finally:
            client.close()

    threading.Thread(target=feed, daemon=True).start()
    stream = Body(LengthReader(SocketUnreader(server), len(body)))
    request = RequestFactory().generic(
        "POST",
        "/api/v1/media/",
        b"",
        **{
            "wsgi.input": stream,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
    return request, server


def test_gunicorn_body_is_read_in_large_pieces():
    data = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 17)
    body = multipart(data, "laporan.pdf", title="Laporan")
    request, server = _request(body, send=len(body))
    try:
        read = body_reader(request)
        assert getattr(read, "__self__", None).__class__ is _SocketBodyReader
        assert len(read(2 * 1024 * 1024)) == 2 * 1024 * 1024  # not 1 KiB at a time
    finally:
        server.close()


def test_gunicorn_body_is_received_whole():
    data = b"%PDF-1.7\n" + os.urandom(5 * 1024 * 1024 + 3)
    body = multipart(data, "laporan.pdf", title="Laporan")
    request, server = _request(body, send=len(body))
    try:
        fields, inspection = MultipartBody(request).receive(
            lambda: Receiver(storage=None, limit=10**9)
        )
    finally:
        server.close()
    assert fields == {"title": ["Laporan"]}
    assert inspection.sha256 == hashlib.sha256(data).hexdigest()
    assert inspection.size == len(data)


def test_gunicorn_body_cut_short_is_refused():
    data = b"%PDF-1.7\n" + os.urandom(2 * 1024 * 1024)
    body = multipart(data, "laporan.pdf")
    request, server = _request(body, send=len(body) - 1000)
    try:
        with pytest.raises(MalformedRequest) as raised:
            MultipartBody(request).receive(lambda: Receiver(storage=None, limit=10**9))
    finally:
        server.close()
    assert raised.value.code == "upload_incomplete"
