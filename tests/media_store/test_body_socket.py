"""Reading a gunicorn request body straight from the socket: exact, in order, never past its end."""

from __future__ import annotations

import os
import socket
import threading

from gunicorn.http.body import LengthReader
from gunicorn.http.unreader import SocketUnreader

from media_store.uploads import _SocketBodyReader

NEXT_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"


def _reader(body: bytes, *, buffered: int):
    """A reader whose first `buffered` body bytes gunicorn already took off the socket.

    The client sends the next (pipelined) request right after the body.
    """
    server, client = socket.socketpair()

    def feed():
        with client:
            client.sendall(body[buffered:] + NEXT_REQUEST)

    threading.Thread(target=feed, daemon=True).start()
    unreader = SocketUnreader(server)
    unreader.unread(body[:buffered])
    return _SocketBodyReader(LengthReader(unreader, len(body))), unreader, server


def test_socket_body_reader_returns_the_body_exactly():
    body = os.urandom(3 * 1024 * 1024 + 5)
    reader, unreader, server = _reader(body, buffered=700)
    try:
        pieces = []
        while data := reader.read(1024 * 1024):
            assert isinstance(data, bytes)
            pieces.append(data)
        assert pieces[0] == body[:700]  # what gunicorn buffered comes first
        assert b"".join(pieces) == body
        assert reader.reader.length == 0
        # The pipelined request is still there for gunicorn, untouched.
        assert unreader.read(len(NEXT_REQUEST)) == NEXT_REQUEST
    finally:
        server.close()


def test_socket_body_reader_splits_a_large_buffer():
    body = os.urandom(4096)
    reader, unreader, server = _reader(body, buffered=4096)
    try:
        assert reader.read(1000) == body[:1000]
        assert reader.read(10_000) == body[1000:]
        assert reader.read(10) == b""
        assert unreader.read(len(NEXT_REQUEST)) == NEXT_REQUEST
    finally:
        server.close()


def test_socket_body_reader_stops_short_when_the_client_goes_away():
    server, client = socket.socketpair()
    client.sendall(b"x" * 1000)
    client.close()
    reader = _SocketBodyReader(LengthReader(SocketUnreader(server), 5000))
    try:
        assert reader.read(4096) == b"x" * 1000
        assert reader.read(4096) == b""
    finally:
        server.close()
