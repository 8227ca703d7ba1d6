"""Read-path benchmark: REST and GraphQL lists against a floor, at 1, 8 and 32 clients.

Both the hub and the floor are served by gunicorn with the options `make run`
uses (same worker and thread counts), on the same PostgreSQL, loaded by `wrk`
on loopback. The floor (tests/bench/floor.py) runs the very statements the hub
runs for each scenario (captured from the hub when the benchmark starts) and
answers the same JSON document; the benchmark refuses to measure if the two
documents differ. Each cell alternates the two servers for a few short rounds
and keeps each one's best (``BENCH_ROUNDS``, ``BENCH_SECONDS``). Prints req/s,
p50, p99 and the hub/floor throughput ratio.
Target: the hub at >= 50% of the floor at 8 clients.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from tests.bench.serving import HUB, floor_command, serve

ROOT = Path(__file__).resolve().parents[2]
DURATION = int(os.environ.get("BENCH_SECONDS", "3"))
# Each cell alternates hub and floor this many times and keeps each one's best
# round: a neighbour's burst on a shared machine then skews neither side.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLIENTS = (1, 8, 32)

REGIONS_GQL = (
    '{ regions(parent: "35", first: 50) { edges { node {'
    " code name level kind parent { code } } } } }"
)
AGENCIES_GQL = (
    "{ agencies(first: 50) { edges { node { databaseId slug name acronym type status"
    " region { code name level kind } } } } }"
)

# (label, floor shape, method, hub path, GraphQL query, keyset ordering)
SCENARIOS = [
    (
        "regions REST",
        "regions_rest",
        "GET",
        "/api/v1/regions/?parent=35&limit=50",
        None,
        ["code"],
    ),
    (
        "agencies REST expand=region",
        "agencies_rest",
        "GET",
        "/api/v1/agencies/?limit=50&expand=region",
        None,
        ["name", "id"],
    ),
    ("regions GraphQL", "regions_graphql", "POST", "/graphql", REGIONS_GQL, []),
    ("agencies GraphQL", "agencies_graphql", "POST", "/graphql", AGENCIES_GQL, []),
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


def _floor_plan(hub_port: int) -> dict:
    """Each scenario's SQL exactly as the hub runs it, captured from the hub itself."""
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    plan = {}
    with override_settings(ALLOWED_HOSTS=["127.0.0.1"]):
        client = Client(HTTP_HOST=f"127.0.0.1:{hub_port}")
        for _label, name, method, path, query, ordering in SCENARIOS:
            client.get("/healthz")  # the connection is open: only the scenario's SQL is seen
            with CaptureQueriesContext(connection) as captured:
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(
                        path, json.dumps({"query": query}), content_type="application/json"
                    )
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: {response.content!r}")
            statements = [entry["sql"] for entry in captured.captured_queries]
            main = next(i for i, sql in enumerate(statements) if "COUNT(" not in sql[:40])
            separator = "&" if "?" in path else "?"
            plan[name] = {
                "statements": statements,
                "rows_from": main,
                "limit": 50,
                "ordering": ordering,
                "next_prefix": f"http://127.0.0.1:{hub_port}{path}{separator}cursor=",
            }
    connections.close_all()
    return plan


def _fetch(url: str, method: str, query: str | None) -> bytes:
    data = None if query is None else json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


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
    scratch = tempfile.mkdtemp(prefix="simpul-bench-")
    plan_path = Path(scratch) / "floor-plan.json"
    plan = _floor_plan(hub_port)
    plan_path.write_text(json.dumps(plan))
    env["BENCH_FLOOR_PLAN"] = str(plan_path)
    hub = serve(HUB, hub_port, env)
    from hub.management.commands.serve import gunicorn_options

    options = gunicorn_options("127.0.0.1", floor_port)
    floor = serve(floor_command("tests.bench.floor:application", floor_port), floor_port, env)
    try:
        print(
            f"\nRead path: {options['workers']} gunicorn workers x {options['threads']} threads, "
            f"best of {ROUNDS} alternating {DURATION}s rounds per cell, wrk on loopback\n"
        )
        for label, name, method, hub_path, query, _ordering in SCENARIOS:
            mine = _fetch(f"http://127.0.0.1:{hub_port}{hub_path}", method, query)
            base = _fetch(f"http://127.0.0.1:{floor_port}/{name}", "GET", None)
            if json.loads(mine) != json.loads(base):
                raise SystemExit(f"{label}: the floor's JSON differs from the hub's; not measuring")
            print(
                f"{label:30} same JSON from both ({len(mine)} vs {len(base)} bytes), "
                f"{len(plan[name]['statements'])} SQL statement(s) each"
            )
        print()
        header = (
            f"{'scenario':30} {'clients':>7} | {'hub req/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
            f" | {'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        for label, name, method, hub_path, query, _ordering in SCENARIOS:
            for clients in CLIENTS:
                rounds = [
                    (
                        _wrk(f"http://127.0.0.1:{hub_port}{hub_path}", method, query, clients),
                        _wrk(f"http://127.0.0.1:{floor_port}/{name}", "GET", None, clients),
                    )
                    for _round in range(ROUNDS)
                ]
                mine = max((hub for hub, _floor in rounds), key=lambda cell: cell["rps"])
                base = max((floor for _hub, floor in rounds), key=lambda cell: cell["rps"])
                errors = sum(hub["errors"] + floor["errors"] for hub, floor in rounds)
                ratio = mine["rps"] / base["rps"] if base["rps"] else 0.0
                flag = " errors!" if errors else ""
                print(
                    f"{label:30} {clients:>7} | {mine['rps']:>9.0f} {mine['p50']:>7.1f}"
                    f" {mine['p99']:>7.1f} | {base['rps']:>11.0f} {base['p50']:>7.1f}"
                    f" {base['p99']:>7.1f} | {ratio:>5.0%}{flag}"
                )
        print("\ntarget: hub >= 50% of the floor at 8 clients")
    finally:
        for process in (hub, floor):
            process.terminate()
            process.wait(20)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
