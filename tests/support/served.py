"""The hub served as in production (``python -m hub serve``, gunicorn) on the test database.

The test's committed rows (``django_db(transaction=True)``) are what the served
hub reads. Tests get it through the ``served`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from django.db import connection

from tests.support.seaweedfs import free_port

ROOT = Path(__file__).resolve().parents[2]


def database_conninfo() -> str:
    """A psycopg connection string for the test database: a session of its own."""
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        dbname=params.get("dbname"),
        host=params.get("host") or "",
        port=params.get("port") or "",
        user=params.get("user") or "",
        password=params.get("password") or "",
    )


def run_hub(*args: str, env: dict) -> subprocess.CompletedProcess[str]:
    """``python -m hub ARGS`` as an operator runs it, in `env`; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def hub_environment(data_dir: Path, **settings: str) -> dict:
    """The environment of a hub process on the test database: only `settings` of the HUB_ ones."""
    params = connection.get_connection_params()
    url = f"postgresql://{params.get('user')}@/{params['dbname']}?host={params.get('host') or ''}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DATABASE_URL"))}
    return {**env, "DATABASE_URL": url, "HUB_DATA_DIR": str(data_dir), **settings}


class ServedHubs:
    """Hubs started by one test; every one is stopped when it ends."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, **settings: str) -> str:
        """Serve (one web worker, no job worker) with `settings`; its base URL once it answers.

        What the hub logs goes to ``log(base)``.
        """
        port = free_port()
        env = hub_environment(self.data_dir, HUB_PORT=str(port), HUB_WEB_WORKERS="1", **settings)
        base = f"http://127.0.0.1:{port}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._log_path(base).open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve", "--no-worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.processes.append(process)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"hub serve exited: {self.log(base)}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                return base
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("hub serve did not answer within 90 s")

    __call__ = start

    def _log_path(self, base: str) -> Path:
        return self.data_dir / f"hub-{base.rsplit(':', 1)[1]}.log"

    def log(self, base: str) -> str:
        """What the hub served at `base` has logged so far (stderr)."""
        return self._log_path(base).read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
