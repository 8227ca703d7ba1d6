"""Liveness and readiness: each part of the hub registers how to check itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.http import JsonResponse


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], tuple[str, str]]  # -> (status: ok|degraded|down, detail)
    required: bool


_checks: dict[str, Check] = {}


def register(name: str, run: Callable[[], tuple[str, str]], *, required: bool) -> None:
    """Add (or replace) a readiness check. A required check that is down makes /readyz 503."""
    _checks[name] = Check(name, run, required)


def check_database() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok", "postgresql"


# A worker updates its heartbeat every 10 s (procrastinate's default): three
# missed beats and it counts as gone. A job waiting longer than JOB_WAIT_LIMIT
# means the workers do not keep up (or none runs).
WORKER_SILENT_AFTER = 30
JOB_WAIT_LIMIT = 300


def check_jobs() -> tuple[str, str]:
    """The background workers: alive, and keeping up with the queue (renditions, sync)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM procrastinate_workers
                WHERE last_heartbeat > now() - make_interval(secs => %s)),
              count(*),
              -- waiting since it was due: queued, or the time its retry was set for
              extract(epoch FROM now() - min(greatest(deferred.at, job.scheduled_at)))
            FROM procrastinate_jobs AS job
            LEFT JOIN procrastinate_events AS deferred
              ON deferred.job_id = job.id AND deferred.type = 'deferred'
            WHERE job.status = 'todo' AND (job.scheduled_at IS NULL OR job.scheduled_at <= now())
            """,
            [WORKER_SILENT_AFTER],
        )
        workers, waiting, oldest = cursor.fetchone()
    queue = f"{waiting} job(s) waiting" + (f", oldest {round(oldest)} s" if waiting else "")
    if not workers:
        return "degraded", f"no worker has reported in the last {WORKER_SILENT_AFTER} s; {queue}"
    if waiting and oldest is not None and oldest > JOB_WAIT_LIMIT:
        return "degraded", f"{workers} worker(s) not keeping up; {queue}"
    return "ok", f"{workers} worker(s); {queue}"


def healthz(request):
    """The process is alive and serving; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Every component's state; 503 when a required component is down."""
    components = {}
    ready = True
    for check in _checks.values():
        started = time.perf_counter()
        try:
            status, detail = check.run()
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, not raised
            status, detail = "down", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        components[check.name] = {
            "status": status,
            "required": check.required,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if check.required and status == "down":
            ready = False
    body = {"status": "ready" if ready else "unavailable", "components": components}
    return JsonResponse(body, status=200 if ready else 503)
