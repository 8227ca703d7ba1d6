"""The local SeaweedFS S3 server (deploy/local/seaweedfs.sh) works with minio.

These tests talk to a real SeaweedFS process started by the ``s3_server``
fixture from ``tests.support.seaweedfs``; nothing here needs Django.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
import urllib3
from minio.error import S3Error

from tests.support.seaweedfs import SCRIPT, S3Server


def _key(prefix: str) -> str:
    return f"tests/deploy/{prefix}-{uuid.uuid4().hex}"


def _get_bytes(client, bucket: str, key: str) -> bytes:
    response = client.get_object(bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _fail_fast_client(s3_server: S3Server):
    # No retries, short timeouts: a stopped server must fail at once.
    http = urllib3.PoolManager(
        retries=urllib3.Retry(total=0, connect=0, read=0, redirect=0, status=0),
        timeout=urllib3.Timeout(connect=2, read=5),
    )
    return s3_server.client(http_client=http)


def test_fixture_describes_a_loopback_plain_http_server(s3_server: S3Server):
    host, port = s3_server.endpoint.rsplit(":", 1)
    assert host == "127.0.0.1"
    assert int(port) == s3_server.port
    assert s3_server.secure is False
    assert s3_server.url == f"http://{s3_server.endpoint}"
    assert s3_server.is_running()


def test_bucket_exists(s3_server: S3Server):
    client = s3_server.client()
    assert client.bucket_exists(s3_server.bucket)
    assert s3_server.bucket in {bucket.name for bucket in client.list_buckets()}
    assert not client.bucket_exists(f"missing-{uuid.uuid4().hex[:12]}")


def test_put_get_stat_remove_round_trip(s3_server: S3Server):
    client = s3_server.client()
    key = _key("round-trip")
    payload = os.urandom(64 * 1024) + b"Kabar resmi: bukan hoaks.\n"

    result = client.put_object(
        s3_server.bucket,
        key,
        io.BytesIO(payload),
        length=len(payload),
        content_type="application/octet-stream",
        metadata={"agency": "kominfo"},
    )
    md5 = hashlib.md5(payload).hexdigest()
    assert result.etag == md5

    assert _get_bytes(client, s3_server.bucket, key) == payload

    stat = client.stat_object(s3_server.bucket, key)
    assert stat.size == len(payload)
    assert stat.etag == md5
    assert stat.content_type == "application/octet-stream"
    assert stat.metadata.get("x-amz-meta-agency") == "kominfo"

    keys = [obj.object_name for obj in client.list_objects(s3_server.bucket, prefix=key)]
    assert keys == [key]

    client.remove_object(s3_server.bucket, key)
    with pytest.raises(S3Error) as excinfo:
        client.stat_object(s3_server.bucket, key)
    assert excinfo.value.code == "NoSuchKey"


def test_multipart_upload_round_trip(s3_server: S3Server):
    client = s3_server.client()
    key = _key("multipart")
    part_size = 5 * 1024 * 1024  # the S3 minimum part size
    payload = os.urandom(2 * part_size + 12345)

    # Unknown length forces minio into a multipart upload with 3 parts.
    result = client.put_object(
        s3_server.bucket, key, io.BytesIO(payload), length=-1, part_size=part_size
    )
    assert result.etag.endswith("-3")

    assert _get_bytes(client, s3_server.bucket, key) == payload
    assert client.stat_object(s3_server.bucket, key).size == len(payload)

    # Ranged reads, as media downloads use them.
    response = client.get_object(s3_server.bucket, key, offset=part_size - 10, length=20)
    try:
        assert response.read() == payload[part_size - 10 : part_size + 10]
    finally:
        response.close()
        response.release_conn()
    client.remove_object(s3_server.bucket, key)


def test_presigned_get_url_works_with_plain_urllib(s3_server: S3Server):
    client = s3_server.client()
    key = _key("presigned") + "/laporan banjir.txt"
    payload = b"Posko pengungsian dibuka.\n"
    client.put_object(s3_server.bucket, key, io.BytesIO(payload), length=len(payload))

    url = client.presigned_get_object(s3_server.bucket, key, expires=timedelta(minutes=5))
    assert url.startswith(f"http://{s3_server.endpoint}/{s3_server.bucket}/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.read() == payload

    # The signature covers the key: a tampered URL is refused.
    tampered = url.replace("laporan", "lapor4n", 1)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(tampered, timeout=10)
    assert excinfo.value.code == 403
    client.remove_object(s3_server.bucket, key)


def test_presigned_put_url_works_with_plain_urllib(s3_server: S3Server):
    client = s3_server.client()
    key = _key("presigned-put")
    payload = os.urandom(32 * 1024)

    url = client.presigned_put_object(s3_server.bucket, key, expires=timedelta(minutes=5))
    request = urllib.request.Request(url, data=payload, method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    assert _get_bytes(client, s3_server.bucket, key) == payload
    assert client.stat_object(s3_server.bucket, key).etag == hashlib.md5(payload).hexdigest()
    client.remove_object(s3_server.bucket, key)


def test_wrong_secret_key_is_refused(s3_server: S3Server):
    client = s3_server.client(secret_key="not-the-secret")
    with pytest.raises(S3Error) as excinfo:
        client.bucket_exists(s3_server.bucket)
    assert excinfo.value.response.status == 403


def test_stop_fails_requests_and_restart_keeps_objects(s3_server: S3Server):
    client = s3_server.client()
    key = _key("survives-restart")
    payload = os.urandom(200 * 1024)
    client.put_object(s3_server.bucket, key, io.BytesIO(payload), length=len(payload))

    s3_server.stop()
    try:
        assert not s3_server.is_running()
        s3_server.stop()  # idempotent
        with pytest.raises(urllib3.exceptions.MaxRetryError) as excinfo:
            _fail_fast_client(s3_server).stat_object(s3_server.bucket, key)
        assert isinstance(excinfo.value.reason, urllib3.exceptions.NewConnectionError)
    finally:
        s3_server.start()

    assert s3_server.is_running()
    restarted = s3_server.client()
    assert restarted.bucket_exists(s3_server.bucket)
    assert _get_bytes(restarted, s3_server.bucket, key) == payload
    restarted.remove_object(s3_server.bucket, key)


def test_script_status_and_start_are_idempotent(s3_server: S3Server):
    status = subprocess.run(
        ["bash", str(SCRIPT), "status", str(s3_server.state_dir)],
        env=s3_server.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert str(s3_server.port) in status.stdout

    pid_before = (s3_server.state_dir / "weed.pid").read_text().strip()
    s3_server.start()  # already running: only waits for readiness
    assert (s3_server.state_dir / "weed.pid").read_text().strip() == pid_before

    stopped = subprocess.run(
        ["bash", str(SCRIPT), "status", str(s3_server.state_dir / "never-started")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert stopped.returncode != 0
