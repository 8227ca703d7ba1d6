"""`make run` end to end: the whole hub on its own embedded PostgreSQL, twice.

Runs `python -m hub up` (what `make run` runs once the virtualenv exists) with a
fresh data directory: it must become ready, stop cleanly on Ctrl-C (PostgreSQL
included) and keep its data for the next start.
"""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image

from tests.support.served import run_hub

ROOT = Path(__file__).resolve().parents[2]
STARTUP_BOUND = 300  # seconds: a bound on waiting, not a performance target


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(data_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DATABASE_URL"))}
    env.update(
        HUB_DATA_DIR=str(data_dir),
        HUB_PORT=str(port),
        HUB_ADMIN_EMAIL="admin@simpul.test",
        HUB_ADMIN_PASSWORD="rahasia-admin-2026",
        HUB_WEB_WORKERS="1",
    )
    return env


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "up"],
        cwd=ROOT,
        env=_env(data_dir, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_BOUND
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hub exited early:\n{process.stdout.read()}")
        try:
            status, body = _get(f"http://127.0.0.1:{port}/readyz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(1)
    process.kill()
    raise AssertionError(f"hub not ready in time:\n{process.stdout.read()}")


def _stop(process: subprocess.Popen) -> str:
    # Ctrl-C reaches the whole foreground process group.
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    return output


def _upload_a_photo(base: str, env: dict) -> tuple[int, dict]:
    """Upload a photo as an agency system would (curl -F file=@foto.jpg -F title=…)."""
    issued = run_hub(
        *("apikey", "create", "--agency", "bnpb", "--scope", "media:write"),
        *("--scope", "content:read"),
        env=env,
    )
    key = issued.stdout.split()[-1]
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(photo, "JPEG")
    boundary = "simpul-run"
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="foto.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
            photo.getvalue(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'
            f"Banjir Malang\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        f"{base}/api/v1/media/",
        data=body,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    # A bound on waiting: an upload that never answers fails here.
    with urllib.request.urlopen(request, timeout=60) as response:
        asset = json.loads(response.read())
    for _ in range(STARTUP_BOUND):  # the worker `make run` started renders it
        request = urllib.request.Request(
            f"{base}/api/v1/media/{asset['id']}/", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            asset = json.loads(answer.read())
        if asset["status"] != "processing":
            break
        time.sleep(1)
    return response.status, asset


def _postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pgdata" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_twice_keeps_data(tmp_path):
    data_dir = tmp_path / "var"
    port = _free_port()
    process = _start(data_dir, port)
    try:
        status, ready = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and ready["components"]["database"]["status"] == "ok"
        # The worker `make run` starts registers itself (and works the demo's jobs off).
        deadline = time.monotonic() + STARTUP_BOUND
        while ready["components"]["jobs"]["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(1)
            status, ready = _get(f"http://127.0.0.1:{port}/readyz")
        assert ready["components"]["jobs"]["status"] == "ok", ready["components"]["jobs"]
        assert ready["components"]["jobs"]["detail"].startswith("1 worker(s); ")
        status, agencies = _get(f"http://127.0.0.1:{port}/api/v1/agencies/?limit=50")
        slugs = {a["slug"] for a in agencies["results"]}
        assert {
            "komdigi",
            "bnpb",
            "bmkg",
            "pemprov-jatim",
            "pemkab-malang",
            "bpbd-kab-malang",
        } <= slugs
        run_hub(  # while the hub serves, an operator adds an agency
            "shell",
            "-c",
            "from hub.demo import PLATFORM; from agencies.services import agency_create; "
            "agency_create(principal=PLATFORM, data={'slug': 'bpbd-jatim', "
            "'name': 'BPBD Provinsi Jawa Timur', 'type': 'perangkat_daerah', 'region': '35'})",
            env=_env(data_dir, port),
        )
        # Uploads work in the web worker forked after the demo's files were stored.
        status, asset = _upload_a_photo(f"http://127.0.0.1:{port}", _env(data_dir, port))
        assert status == 201 and asset["title"] == "Banjir Malang"
        assert asset["status"] == "ready", asset
        assert {"thumbnail", "square"} <= {r["name"] for r in asset["renditions"]}
    finally:
        output = _stop(process)
    assert process.returncode is not None
    assert "generated password" not in output  # the admin came from the environment
    assert "Traceback" not in output, output  # Ctrl-C is a clean stop, not a crash
    assert not _postgres_running(data_dir), "PostgreSQL must stop with the hub"

    process = _start(data_dir, port)
    try:
        status, agency = _get(f"http://127.0.0.1:{port}/api/v1/agencies/bpbd-jatim/")
        assert status == 200 and agency["region"] == "35"
        status, _ = _get(f"http://127.0.0.1:{port}/api/v1/regions/35.07.01.2001/")
        assert status == 200
    finally:
        output = _stop(process)
    assert "regions already loaded" in output
    assert "Traceback" not in output, output
    assert not _postgres_running(data_dir)
