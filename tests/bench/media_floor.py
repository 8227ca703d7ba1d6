"""The floor for the small-upload benchmark: the least an authenticated, durable upload costs.

A minimal WSGI app, served by gunicorn with the hub's options: it checks the
bearer key with one SQL query, parses the multipart body with python-multipart
while hashing it, writes the file to the same S3 bucket with the same minio
client settings (in a background thread, while it inserts one row), and
commits once the object is complete, then answers a small JSON document. No
framework, no policy, no inspection, no audit chain, no processing job: what
any Python service in front of the store must do, and nothing the hub adds.
Files up to one S3 part only (the 1 MB row of the benchmark).
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import orjson
import psycopg
import urllib3
from minio import Minio
from python_multipart.multipart import MultipartParser, parse_options_header

CHUNK = 4 * 1024 * 1024
TABLE = "bench_floor_upload"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, agency_id bigint,"
    " location text, sha256 text, size bigint, created_at timestamptz DEFAULT now())"
)

_local = threading.local()
_putter = ThreadPoolExecutor(8, thread_name_prefix="floor-put")


@functools.cache
def _store() -> Minio:
    """The same store and client settings as the hub's (from the MINIO_* environment)."""
    client = Minio(
        os.environ["MINIO_ENDPOINT"],
        access_key=os.environ["MINIO_ACCESS_KEY"],
        secret_key=os.environ["MINIO_SECRET_KEY"],
        secure=False,
        region=os.environ["MINIO_REGION"],
        http_client=urllib3.PoolManager(maxsize=32),
    )
    client.disable_virtual_style_endpoint()
    return client


def _conn() -> psycopg.Connection:
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg.connect(os.environ["DATABASE_URL"])
    return _local.conn


def _answer(start_response, status: str, document: dict) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [orjson.dumps(document)]


def _agency(conn: psycopg.Connection, environ) -> int | None:
    secret = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    parts = secret.split("_")
    if len(parts) < 3:
        return None
    row = conn.execute(
        "SELECT agency_id FROM agencies_apikey"
        " WHERE prefix = %s AND key_hash = %s AND revoked_at IS NULL",
        [parts[1], hashlib.sha256(secret.encode()).hexdigest()],
    ).fetchone()
    conn.commit()
    return row[0] if row else None


def _file(environ) -> tuple[bytes, str]:
    """The multipart body's `file` part and its SHA-256, hashed as it is parsed."""
    _, params = parse_options_header(environ.get("CONTENT_TYPE", ""))
    chunks: list[bytes] = []
    hasher = hashlib.sha256()
    current = {"name": b""}

    def on_header_value(data, start, end):
        current["name"] += data[start:end]

    def on_part_data(data, start, end):
        if b'name="file"' in current["name"]:
            piece = bytes(data[start:end])
            hasher.update(piece)
            chunks.append(piece)

    def on_part_begin():
        current["name"] = b""

    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": on_part_begin,
            "on_header_value": on_header_value,
            "on_part_data": on_part_data,
        },
    )
    stream, remaining = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    while remaining > 0:
        data = stream.read(min(CHUNK, remaining))
        if not data:
            break
        remaining -= len(data)
        parser.write(data)
    parser.finalize()
    return b"".join(chunks), hasher.hexdigest()


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        return _answer(start_response, "404 Not Found", {"code": "not_found"})
    conn = _conn()
    agency_id = _agency(conn, environ)
    if agency_id is None:
        return _answer(start_response, "401 Unauthorized", {"code": "not_authenticated"})
    data, sha256 = _file(environ)
    location = f"{os.environ.get('MINIO_PREFIX', '')}floor/{uuid.uuid4().hex}"
    written = _putter.submit(
        _store()._put_object,
        os.environ["MINIO_BUCKET"],
        location,
        data,
        {"Content-Type": "application/octet-stream"},
    )
    with conn.transaction():
        row = conn.execute(
            f"INSERT INTO {TABLE} (agency_id, location, sha256, size)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            [agency_id, location, sha256, len(data)],
        ).fetchone()
        written.result()  # the row commits only once the object is complete
    return _answer(
        start_response, "201 Created", {"id": row[0], "sha256": sha256, "size": len(data)}
    )
