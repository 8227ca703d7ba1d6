"""How long a request may wait on the database: bounded in `serve`, answered 503, never a hang.

A served hub (``python -m hub serve``, gunicorn as in production) against the
test database; the test holds a table lock the request needs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.db import wait_options
from tests.support.served import ROOT, database_conninfo, hub_environment, run_hub
from tests.support.wsgi import WsgiCaller

pytestmark = pytest.mark.django_db(transaction=True)


def test_wait_options_keep_what_the_url_gave_and_count_milliseconds():
    limits = {"statement_timeout": 30, "lock_timeout": 0.25}
    assert wait_options("", limits) == "-c statement_timeout=30000 -c lock_timeout=250"
    # 0 sends nothing: the role's or the server's own setting applies.
    assert wait_options(" -c search_path=hub ", {"lock_timeout": 0}) == "-c search_path=hub"


def _call(request: urllib.request.Request) -> tuple[int, dict, dict]:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), json.loads(refused.read())


def _get(url: str, **headers: str) -> tuple[int, dict, dict]:
    return _call(urllib.request.Request(url, headers=headers))


REGIONS_GRAPHQL = "{ regions(first: 1) { edges { node { code } } } }"


def _graphql(base: str) -> tuple[int, dict, dict]:
    body = json.dumps({"query": REGIONS_GRAPHQL}).encode()
    return _call(
        urllib.request.Request(
            f"{base}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
    )


@contextlib.contextmanager
def _regions_locked():
    """Hold the regions table as a migration rewriting it would: every reader waits.

    The lock is held by a session of its own, so requests answered in this
    process wait for it too.
    """
    with psycopg.connect(database_conninfo()) as holder:
        holder.execute("LOCK TABLE agencies_region IN ACCESS EXCLUSIVE MODE")
        yield


def _busy(status, headers, body, code):
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert body["code"] == code
    assert int(headers["Retry-After"]) > 0


def test_a_request_behind_a_held_lock_answers_503_database_busy(served):
    base = served(HUB_DB_LOCK_TIMEOUT="1")
    status, _, before = _get(f"{base}/api/v1/regions/?limit=2")
    assert status == 200
    with _regions_locked():
        started = time.monotonic()
        _busy(*_get(f"{base}/api/v1/regions/?limit=2"), "database_busy")
        # Not the server's 120 s worker timeout: the wait ended at the lock limit.
        assert time.monotonic() - started < 60
        # GraphQL: the whole answer is 503, the field's error names the code.
        status, headers, body = _graphql(base)
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert body["errors"][0]["extensions"]["code"] == "database_busy"
        assert (
            "locked by another change"
            in _get(f"{base}/api/v1/regions/?limit=3", **{"Accept-Language": "en"})[2]["detail"]
        )
    # The lock gone, the same worker answers again.
    assert _get(f"{base}/api/v1/regions/?limit=2")[::2] == (200, before)


def test_a_statement_past_its_time_limit_answers_503_database_timeout(served):
    base = served(HUB_DB_LOCK_TIMEOUT="0", HUB_DB_STATEMENT_TIMEOUT="1")
    with _regions_locked():
        _busy(*_get(f"{base}/api/v1/regions/?limit=2"), "database_timeout")
    assert _get(f"{base}/api/v1/regions/?limit=2")[0] == 200


def _answered_busy(answer, api: str) -> None:
    assert answer.status == 503 and int(answer.header("Retry-After")) > 0
    assert answer.header("X-Request-ID")
    if api == "REST":
        assert answer.header("Content-Type") == "application/problem+json"
        assert answer.json()["code"] == "database_busy"
        assert "locked by another change" in answer.json()["detail"]
    else:
        assert answer.json()["errors"][0]["extensions"]["code"] == "database_busy"


@pytest.fixture
def short_lock_waits():
    """This process's connection gives up on a lock as `serve`'s do, sooner; reset after."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


@pytest.mark.parametrize("api", ["REST", "GraphQL"])
def test_a_read_behind_a_held_lock_waits_once(monkeypatch, short_lock_waits, api):
    # A list is read by compiled SQL, and the second time by the read lane
    # (api.lane). A wait that ran out is reported, never run and waited out again
    # by a slower path: not by graphql-core's execution, not by the full cycle.
    caller = WsgiCaller(monkeypatch)
    if api == "REST":
        read = partial(caller.get, "/api/v1/regions/?limit=2", HTTP_ACCEPT_LANGUAGE="en")
    else:
        read = partial(caller.graphql, REGIONS_GRAPHQL, HTTP_ACCEPT_LANGUAGE="en")

    def read_locked():
        with _regions_locked(), CaptureQueriesContext(connection) as ran:
            answer = read()
        waited = [query for query in ran.captured_queries if "agencies_region" in query["sql"]]
        assert len(waited) == 1, waited
        _answered_busy(answer, api)

    read_locked()  # the full cycle
    assert read().status == 200  # the full cycle again, leaving the lane its recipe
    laned = caller.full_cycles
    assert read().status == 200 and caller.full_cycles == laned

    read_locked()  # the lane, then the full cycle with the lane's failure
    assert caller.full_cycles == laned + 1
    assert read().status == 200  # the lock gone, the lane answers again
    assert caller.full_cycles == laned + 1


def _show_in(code: str, **settings: str) -> list[str]:
    script = (
        "from django.db import connection\n"
        f"{code}\n"
        "with connection.cursor() as c:\n"
        "    print(*[c.execute(f'SHOW {n}').fetchone()[0]"
        " for n in ('statement_timeout', 'lock_timeout')])\n"
    )
    env = hub_environment(Path(os.environ.get("TMPDIR", "/tmp")), **settings)
    return run_hub("shell", "-c", script, env=env).stdout.splitlines()[-1].split()


def test_the_job_workers_own_connections_are_bounded_too():
    # `worker` runs procrastinate's worker, which opens its own connections from
    # Django's parameters (procrastinate.contrib.django.utils.connector_params).
    code = (
        "from hub.db import bound_waits; bound_waits()\n"
        "import psycopg\n"
        "from procrastinate.contrib.django.utils import connector_params\n"
        "connection = psycopg.connect(**connector_params())"
    )
    assert _show_in(code, HUB_DB_LOCK_TIMEOUT="3") == ["30s", "3s"]


def test_serving_processes_are_bounded_and_operator_commands_are_not():
    # What `serve` and `worker` call before they connect.
    assert _show_in("from hub.db import bound_waits; bound_waits()") == ["30s", "10s"]
    assert _show_in(
        "from hub.db import bound_waits; bound_waits()",
        HUB_DB_STATEMENT_TIMEOUT="2.5",
        HUB_DB_LOCK_TIMEOUT="0",
    ) == ["2500ms", "0"]
    # migrate, load-regions, audit-verify, media-scrub: one statement may rightly run long.
    assert _show_in("pass") == ["0", "0"]


def test_a_limit_that_is_not_a_number_stops_start_up_with_one_line(tmp_path):
    env = hub_environment(tmp_path, HUB_DB_LOCK_TIMEOUT="ten")
    result = subprocess.run(
        [sys.executable, "-m", "hub", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "error: HUB_DB_LOCK_TIMEOUT='ten' is not a number"
    env = hub_environment(tmp_path, HUB_DB_STATEMENT_TIMEOUT="-1")
    result = subprocess.run(
        [sys.executable, "-m", "hub", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "HUB_DB_STATEMENT_TIMEOUT must be between 0 and 86400 seconds" in result.stderr
