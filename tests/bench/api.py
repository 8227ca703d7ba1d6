"""Read-path benchmark: REST and GraphQL lists against a floor, at 1, 8 and 32 clients.

Both the hub and the floor are served by gunicorn with the options `make run`
uses (same worker and thread counts), on the same PostgreSQL, loaded by `wrk`
on loopback. Prints req/s, p50, p99 and the hub/floor throughput ratio.
Target: the hub at >= 50% of the floor at 8 clients.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DURATION = int(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = (1, 8, 32)

REGIONS_GQL = (
    '{ regions(parent: "35", first: 50) { edges { node {'
    " code name level kind parent { code } } } } }"
)
AGENCIES_GQL = (
    "{ agencies(first: 50) { edges { node { databaseId slug name acronym type status"
    " region { code name level kind } } } } }"
)

SCENARIOS = [
    (
        "regions REST",
        "GET",
        "/api/v1/regions/?parent=35&limit=50",
        None,
        "/regions?parent=35&limit=50",
    ),
    (
        "agencies REST expand=region",
        "GET",
        "/api/v1/agencies/?limit=50&expand=region",
        None,
        "/agencies?limit=50",
    ),
    ("regions GraphQL", "POST", "/graphql", REGIONS_GQL, "/regions?parent=35&limit=50"),
    ("agencies GraphQL", "POST", "/graphql", AGENCIES_GQL, "/agencies?limit=50"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare() -> None:
    """Migrate, load regions and make sure 50 active agencies exist (via the services)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from django.core.management import call_command

    from agencies.models import Agency, Region
    from agencies.services import agency_create
    from hub.demo import PLATFORM

    call_command("migrate", verbosity=0)
    call_command("load_regions", if_empty=True)
    regencies = list(Region.objects.filter(level=2).order_by("code").values_list("code", "kind"))
    for index in range(50 - Agency.objects.filter(status="active").count()):
        code, kind = regencies[index]
        agency_create(
            principal=PLATFORM,
            data={
                "slug": f"bench-{code.replace('.', '-')}",
                "name": f"Pemerintah {code}",
                "type": "pemkot" if kind == "kota" else "pemkab",
                "region": code,
            },
        )
    from django.db import connections

    connections.close_all()


def _serve(args: list[str], port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(args, cwd=ROOT, env={**env, "HUB_PORT": str(port)})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process  # the floor answers 404 on /healthz: it is up
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def _wrk(url: str, method: str, body: str | None, clients: int) -> dict:
    args = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{DURATION}s", "--latency"]
    with tempfile.TemporaryDirectory() as scratch:
        if method == "POST":
            script = Path(scratch) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(json.dumps({'query': body}))}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
            args += ["-s", str(script)]
        output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is required: apt-get install wrk")
    _prepare()
    env = {
        **os.environ,
        "HUB_DEBUG": "false",
        "HUB_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HUB_LOG_LEVEL": "WARNING",
    }
    hub_port, floor_port = _free_port(), _free_port()
    hub = _serve([sys.executable, "-m", "hub", "serve", "--no-worker"], hub_port, env)
    from hub.management.commands.serve import gunicorn_options

    options = gunicorn_options("127.0.0.1", floor_port)
    floor = _serve(
        [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind={options['bind']}",
            f"--workers={options['workers']}",
            f"--threads={options['threads']}",
            "--worker-class=gthread",
            "--log-level=warning",
            "tests.bench.floor:application",
        ],
        floor_port,
        env,
    )
    try:
        print(
            f"\nRead path: {options['workers']} gunicorn workers x {options['threads']} threads, "
            f"{DURATION}s per cell, wrk on loopback\n"
        )
        header = (
            f"{'scenario':30} {'clients':>7} | {'hub req/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
            f" | {'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        for name, method, hub_path, body, floor_path in SCENARIOS:
            for clients in CLIENTS:
                mine = _wrk(f"http://127.0.0.1:{hub_port}{hub_path}", method, body, clients)
                base = _wrk(f"http://127.0.0.1:{floor_port}{floor_path}", "GET", None, clients)
                ratio = mine["rps"] / base["rps"] if base["rps"] else 0.0
                flag = " errors!" if mine["errors"] or base["errors"] else ""
                print(
                    f"{name:30} {clients:>7} | {mine['rps']:>9.0f} {mine['p50']:>7.1f}"
                    f" {mine['p99']:>7.1f} | {base['rps']:>11.0f} {base['p50']:>7.1f}"
                    f" {base['p99']:>7.1f} | {ratio:>5.0%}{flag}"
                )
        print("\ntarget: hub >= 50% of the floor at 8 clients")
    finally:
        for process in (hub, floor):
            process.terminate()
            process.wait(20)


if __name__ == "__main__":
    main()
