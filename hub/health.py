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
