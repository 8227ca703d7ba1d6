"""Pytest plugin: a real SeaweedFS S3 server for the test session.

Register it with ``pytest_plugins = ["tests.support.seaweedfs"]`` (or load it
with ``pytest -p tests.support.seaweedfs``) and request the session-scoped
``s3_server`` fixture. The server is started once per test run by
``deploy/local/seaweedfs.sh`` on 127.0.0.1, on a free port, with its data in a
temporary directory, and stopped when the session ends.

The first run builds the pinned SeaweedFS binary, which takes minutes; later
runs reuse it from ``$SIMPUL_CACHE_DIR`` (default ``~/.cache/simpul``).
If the server cannot be built or started the fixture raises, so every test
that needs object storage errors instead of being skipped.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from minio import Minio

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "deploy" / "local" / "seaweedfs.sh"

DEFAULT_ACCESS_KEY = "simpul-test"
DEFAULT_SECRET_KEY = "simpul-test-secret"
DEFAULT_BUCKET = "simpul-test"
DEFAULT_REGION = "us-east-1"

# The first build compiles SeaweedFS from source: generous, but bounded.
BUILD_TIMEOUT_SECONDS = 60 * 60
# The script itself gives up after SEAWEEDFS_START_TIMEOUT (90 s) and stops
# the process; this is only a backstop for a hung script.
START_TIMEOUT_SECONDS = 180
STOP_TIMEOUT_SECONDS = 60


class SeaweedFSError(RuntimeError):
    """The SeaweedFS helper script failed."""


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A free TCP port on 127.0.0.1, below the Linux ephemeral range.

    Staying below 32768 keeps the port from being handed out as the local
    port of an outgoing connection while the server is stopped for a
    restart test.
    """
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        if _port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class S3Server:
    """A running SeaweedFS S3 gateway, as the tests see it."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    state_dir: Path
    region: str = DEFAULT_REGION
    secure: bool = False
    script: Path = field(default=SCRIPT, repr=False)

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "weed.log"

    def env(self) -> dict[str, str]:
        """Environment for deploy/local/seaweedfs.sh describing this server."""
        env = dict(os.environ)
        env.update(
            S3_PORT=str(self.port),
            S3_ACCESS_KEY=self.access_key,
            S3_SECRET_KEY=self.secret_key,
            S3_BUCKET=self.bucket,
            S3_REGION=self.region,
        )
        return env

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["bash", str(self.script), *args],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SeaweedFSError(
                f"seaweedfs.sh {' '.join(args)} did not finish within {timeout:.0f} s"
            ) from exc

    def _run_checked(self, *args: str, timeout: float) -> str:
        result = self._run(*args, timeout=timeout)
        if result.returncode != 0:
            raise SeaweedFSError(
                f"seaweedfs.sh {' '.join(args)} failed with exit code {result.returncode}:\n"
                f"{_tail(result.stdout + result.stderr)}"
            )
        return result.stdout

    def build(self) -> Path:
        """Build the pinned weed binary if needed; returns its path."""
        out = self._run_checked("build", timeout=BUILD_TIMEOUT_SECONDS)
        return Path(out.strip().splitlines()[-1])

    def start(self) -> None:
        """Start (or restart) the server on the same port with the same data."""
        self.build()
        self._run_checked("start", str(self.state_dir), timeout=START_TIMEOUT_SECONDS)

    def stop(self) -> None:
        """Stop the server; calling it when already stopped is fine."""
        self._run_checked("stop", str(self.state_dir), timeout=STOP_TIMEOUT_SECONDS)

    def is_running(self) -> bool:
        return self._run("status", str(self.state_dir), timeout=30).returncode == 0

    def client(self, **kwargs: Any) -> Minio:
        """A ``minio.Minio`` client for this server; kwargs go to ``Minio``."""
        options: dict[str, Any] = {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "secure": self.secure,
            "region": self.region,
        }
        options.update(kwargs)
        return Minio(self.endpoint, **options)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory):
    """A real SeaweedFS S3 server, started once per test session."""
    server = S3Server(
        endpoint=f"127.0.0.1:{free_port()}",
        access_key=DEFAULT_ACCESS_KEY,
        secret_key=DEFAULT_SECRET_KEY,
        bucket=DEFAULT_BUCKET,
        state_dir=tmp_path_factory.mktemp("seaweedfs"),
    )
    try:
        server.start()
    except BaseException:
        # The script stops a server that failed to come up; this also covers
        # an interrupted start. The original error is the one to report.
        with contextlib.suppress(SeaweedFSError):
            server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()
