"""Starting the servers a benchmark measures: the hub as `make run` serves it, and floors."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HUB = [sys.executable, "-m", "hub", "serve", "--no-worker"]


def floor_command(app: str, port: int) -> list[str]:
    """gunicorn serving the WSGI `app` ("module:callable") with the hub's own options."""
    from hub.management.commands.serve import gunicorn_options

    options = gunicorn_options("127.0.0.1", port)
    return [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind={options['bind']}",
        f"--workers={options['workers']}",
        f"--threads={options['threads']}",
        f"--keep-alive={options['keepalive']}",
        "--worker-class=gthread",
        "--log-level=warning",
        app,
    ]


def serve(args: list[str], port: int, env: dict) -> subprocess.Popen:
    """Start a server on `port` and return once it answers HTTP.

    What it logs (the hub's access log: a line per request) goes to a file in
    the bench's data directory, as a production server's goes to its journal.
    """
    log_dir = Path(env.get("HUB_DATA_DIR", "var/bench"))
    log_dir.mkdir(parents=True, exist_ok=True)
    # One file per kind of server (`hub`, `gunicorn` for a floor), rewritten each run.
    with (log_dir / f"server-{args[2]}.log").open("wb") as log:
        process = subprocess.Popen(args, cwd=ROOT, env={**env, "HUB_PORT": str(port)}, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process  # a floor answers 404 on /healthz: it is up
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"the server on port {port} did not start")
