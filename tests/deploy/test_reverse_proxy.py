"""The shipped nginx configuration in front of `hub serve`: TLS, streaming, the caller's address.

A real nginx (Debian's package) runs ``deploy/nginx/simpul.conf.template``,
rendered by the production guide's own ``envsubst`` command, terminates TLS
with a certificate made for the test and proxies to a served hub on the test
database. Callers connect from distinct loopback addresses (127.0.0.2,
127.0.0.3), so the hub must tell them apart through the proxy.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from hub.models import AuditEntry
from media_store.models import MediaAsset
from tests.support.seaweedfs import free_port
from tests.support.served import ROOT

TEMPLATE = ROOT / "deploy" / "nginx" / "simpul.conf.template"
GUIDE = ROOT / "deploy" / "README.md"

pytestmark = pytest.mark.django_db(transaction=True)

WRONG_KEY = "smpl_wrong_key_000000000000"


def _render(values: dict[str, str]) -> str:
    """The template rendered by the very `envsubst` command the production guide gives."""
    command = re.search(r"envsubst '([^']+)'", GUIDE.read_text())
    assert command, "deploy/README.md lost its envsubst command"
    result = subprocess.run(
        ["envsubst", command.group(1)],
        input=TEMPLATE.read_text(),
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "${" not in result.stdout, "a variable of the template is not in the guide's list"
    return result.stdout


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "hub.crt", directory / "hub.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


class Nginx:
    def __init__(self, directory: Path, upstream: str):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.cert, key = _certificate(directory)
        self.port = free_port()
        site = _render(
            {
                "SIMPUL_LISTEN": f"127.0.0.1:{self.port} ssl",
                "SIMPUL_SERVER_NAME": "127.0.0.1",
                "SIMPUL_TLS_CERTIFICATE": str(self.cert),
                "SIMPUL_TLS_CERTIFICATE_KEY": str(key),
                "SIMPUL_UPSTREAM": upstream,
            },
        )
        (directory / "simpul.conf").write_text(site)
        temp = "".join(
            f"{kind}_temp_path {directory / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root, nginx's workers would switch to a user that cannot read this directory.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} warn;\n"
            "events { worker_connections 64; }\n"
            "http {\nlog_format ids '$request_id $status';\n"
            f"access_log {directory / 'access.log'} ids;\n"
            f"{temp}include {directory / 'simpul.conf'};\n}}\n"
        )
        self.process = subprocess.Popen(
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", "daemon off;",
            ],
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen within 20 s")

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, *, source: str = "127.0.0.2", body=None, headers=None
    ) -> tuple[int, dict, bytes]:
        """One request over TLS (the test's certificate verified) from loopback address `source`."""
        context = ssl.create_default_context(cafile=str(self.cert))
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=context, source_address=(source, 0), timeout=120
        )
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def logged(self, text: str) -> bool:
        """Whether nginx's access log shows `text` (it writes after the answer is sent)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if text in (self.directory / "access.log").read_text():
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def proxy(tmp_path):
    """proxy(upstream_base_url) -> a running nginx in front of it."""
    started = []

    def start(upstream: str) -> Nginx:
        nginx = Nginx(tmp_path / f"nginx-{len(started)}", upstream.removeprefix("http://"))
        started.append(nginx)
        return nginx

    yield start
    for nginx in started:
        nginx.stop()


def _problem(status, headers, body, expected_status, code):
    assert status == expected_status, body
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["code"] == code


def test_links_and_locations_behind_the_proxy_are_its_https_ones(
    served, proxy, make_agency, make_key
):
    base = served(HUB_TRUSTED_PROXIES="127.0.0.1", HUB_HSTS_SECONDS="31536000")
    nginx = proxy(base)
    key = make_key(make_agency("bpbd-jatim"), "content:read", "media:write")
    status, headers, _ = nginx.request(
        "POST",
        "/api/v1/media/uploads/",
        headers={
            "Authorization": f"Bearer {key}",
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1024",
            "Upload-Metadata": "filename ZGF0YS5iaW4=",
        },
    )
    assert status == 201
    assert headers["Location"].startswith(f"{nginx.base}/api/v1/media/uploads/")
    status, headers, feed = nginx.request("GET", "/feeds/clarifications.atom")
    assert status == 200
    assert f'href="{nginx.base}/feeds/clarifications.atom"'.encode() in feed
    # HTTPS as the hub sees it: browsers are told to keep to it.
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    with urllib.request.urlopen(f"{base}/feeds/clarifications.atom") as direct:
        assert direct.headers["Strict-Transport-Security"] is None  # plain HTTP, no proxy


def test_compressed_answers_keep_conditional_writes_working(served, proxy, make_agency, make_key):
    nginx = proxy(served(HUB_TRUSTED_PROXIES="127.0.0.1"))
    # Enough text to be worth compressing (over the template's gzip_min_length).
    domains = [f"posko{n}.bpbd.jatimprov.go.id" for n in range(60)]
    key = make_key(make_agency("bpbd-jatim", official_domains=domains), "agency:admin")
    auth = {"Authorization": f"Bearer {key}"}
    path = "/api/v1/agencies/bpbd-jatim/"
    status, headers, body = nginx.request("GET", path, headers={**auth, "Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["slug"] == "bpbd-jatim"
    etag = headers["ETag"]
    assert etag.startswith('W/"')  # the proxy weakened it
    # Read again with that tag: nothing changed.
    status, _, _ = nginx.request(
        "GET", path, headers={**auth, "Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert status == 304
    # And a conditional write with it goes through; the same tag again is stale.
    change = {**auth, "Content-Type": "application/json", "If-Match": etag}
    status, _, _ = nginx.request(
        "PATCH", "/api/v1/agencies/bpbd-jatim/", body=b'{"acronym": "BPBD"}', headers=change
    )
    assert status == 200
    status, headers, body = nginx.request(
        "PATCH", "/api/v1/agencies/bpbd-jatim/", body=b'{"acronym": "X"}', headers=change
    )
    _problem(status, headers, body, 412, "precondition_failed")


def test_the_hub_tells_callers_apart_through_the_proxy(served, proxy):
    base = served(HUB_TRUSTED_PROXIES="127.0.0.1", HUB_AUTH_FAILURE_LIMIT="3")
    nginx = proxy(base)
    wrong = {"Authorization": f"Bearer {WRONG_KEY}", "X-Forwarded-For": "203.0.113.7"}
    for _ in range(3):
        _problem(*nginx.request("GET", "/api/v1/me", headers=wrong), 401, "invalid_api_key")
    # 127.0.0.2 used up its failures; claiming another address does not reset them.
    _problem(*nginx.request("GET", "/api/v1/me", headers=wrong), 429, "rate_limited")
    # Another caller behind the same proxy still gets its own answer.
    _problem(
        *nginx.request("GET", "/api/v1/me", source="127.0.0.3", headers=wrong),
        401,
        "invalid_api_key",
    )
    failures = AuditEntry.objects.filter(action="auth.failure").values_list("ip", flat=True)
    assert sorted(set(failures)) == ["127.0.0.2", "127.0.0.3"]
    # The access log too names each caller, with the request id it was answered.
    status, headers, _ = nginx.request(
        "GET", "/api/v1/me", source="127.0.0.3", headers={"X-Request-ID": "laporan-42"}
    )
    assert (status, headers["X-Request-ID"]) == (200, "laporan-42")
    log = served.log(base)
    assert log.count("GET /api/v1/me 401 ") == 4 and log.count("GET /api/v1/me 429 ") == 1
    assert re.search(r"GET /api/v1/me 200 \S+ ip=127\.0\.0\.3 caller=anonymous rid=laporan-42", log)
    # Without one from the caller, the proxy's own request id names the request.
    status, headers, _ = nginx.request("GET", "/api/v1/me")
    rid = headers["X-Request-ID"]
    assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", rid)
    assert f"rid={rid}" in served.log(base)
    assert nginx.logged(f"{rid} 200")  # nginx's own id
    log = served.log(base)
    assert not re.search(r"/api/v1/me .* ip=127\.0\.0\.1 ", log)  # never the proxy
    assert WRONG_KEY not in log


def test_without_trusting_the_proxy_every_caller_is_the_proxy(served, proxy):
    nginx = proxy(served(HUB_AUTH_FAILURE_LIMIT="3"))
    wrong = {"Authorization": f"Bearer {WRONG_KEY}"}
    for _ in range(3):
        nginx.request("GET", "/api/v1/me", headers=wrong)
    # What the setting is for: one caller's failures lock every other caller out.
    _problem(
        *nginx.request("GET", "/api/v1/me", source="127.0.0.3", headers=wrong), 429, "rate_limited"
    )
    assert set(AuditEntry.objects.filter(action="auth.failure").values_list("ip", flat=True)) == {
        "127.0.0.1"
    }


def _wav_header(samples_bytes: int) -> bytes:
    """A RIFF/WAVE header for 16-bit mono PCM at 48 kHz followed by `samples_bytes` of samples."""
    fmt = struct.pack("<HHIIHH", 1, 1, 48000, 96000, 2, 16)
    return (
        b"RIFF" + struct.pack("<I", 36 + samples_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", samples_bytes)
    )  # fmt: skip


def test_a_large_upload_streams_through_the_proxy(served, proxy, make_agency, make_key):
    nginx = proxy(served(HUB_TRUSTED_PROXIES="127.0.0.1"))
    key = make_key(make_agency("bpbd-jatim"), "media:write")
    block = hashlib.sha512(b"sirene").digest() * 1024  # 64 KiB of samples
    pieces = 768  # 48 MiB
    wav_head = _wav_header(len(block) * pieces)
    digest = hashlib.sha256(wav_head)
    for _ in range(pieces):
        digest.update(block)
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sirene.wav"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode() + wav_head
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        for _ in range(pieces):
            yield block
        yield tail

    status, _, answer = nginx.request(
        "POST",
        "/api/v1/media/",
        body=body(),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + len(block) * pieces + len(tail)),
        },
    )
    assert status == 201, answer
    asset = MediaAsset.objects.get(pk=json.loads(answer)["id"])
    assert (asset.mime, asset.size) == ("audio/wav", len(wav_head) + len(block) * pieces)
    assert asset.sha256 == digest.hexdigest()


def test_an_oversized_upload_is_refused_by_the_hub_before_its_body(
    served, proxy, make_agency, make_key
):
    nginx = proxy(served(HUB_TRUSTED_PROXIES="127.0.0.1", HUB_MEDIA_MAX_UPLOAD=str(10 * 2**20)))
    key = make_key(make_agency("bpbd-jatim"), "media:write")
    # Only the headers are sent: the answer comes without the proxy waiting for 3 GiB.
    status, headers, body = nginx.request(
        "POST",
        "/api/v1/media/",
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(3 * 2**30),
        },
    )
    _problem(status, headers, body, 413, "payload_too_large")
    assert json.loads(body)["limit"] == 10 * 2**20
    assert not MediaAsset.objects.exists()


def test_the_hub_down_still_answers_problem_json_through_the_proxy(proxy):
    nginx = proxy(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    status, headers, body = nginx.request("GET", "/api/v1/regions/")
    _problem(status, headers, body, 503, "hub_unavailable")
    assert int(headers["Retry-After"]) > 0
