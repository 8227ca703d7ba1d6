"""Liveness and readiness endpoints."""

import pytest

from hub import health

pytestmark = pytest.mark.django_db


def test_healthz(api):
    response = api().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_components(api):
    body = api().get("/readyz").json()
    assert body["status"] == "ready"
    assert body["components"]["database"] == {**body["components"]["database"], "status": "ok"}


def test_readyz_is_503_when_a_required_component_is_down(api):
    def broken():
        raise ConnectionError("connection refused")

    health.register("test-broken", broken, required=True)
    health.register("test-optional", lambda: ("degraded", "cached keys only"), required=False)
    try:
        response = api().get("/readyz")
        body = response.json()
        assert response.status_code == 503 and body["status"] == "unavailable"
        assert body["components"]["test-broken"]["status"] == "down"
        assert "connection refused" in body["components"]["test-broken"]["detail"]
        assert body["components"]["test-optional"]["status"] == "degraded"
    finally:
        health._checks.pop("test-broken")
        health._checks.pop("test-optional")


def _jobs(api) -> dict:
    response = api().get("/readyz")
    assert response.status_code == 200  # workers are not required to serve
    return response.json()["components"]["jobs"]


def test_readyz_tells_whether_workers_run_and_keep_up(api):
    from django.db import connection

    from media_store.tasks import blob_collect

    with connection.cursor() as cursor:  # whatever earlier tests left (undone with this test)
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")
    jobs = _jobs(api)
    assert (jobs["status"], jobs["required"]) == ("degraded", False)
    assert jobs["detail"] == "no worker has reported in the last 30 s; 0 job(s) waiting"

    with connection.cursor() as cursor:
        # A worker registering itself, as procrastinate's worker does when it starts.
        cursor.execute("SELECT worker_id FROM procrastinate_register_worker_v1()")
    blob_collect.defer(key="originals/ab/cd/abcd")
    jobs = _jobs(api)
    assert jobs["status"] == "ok"
    assert jobs["detail"].startswith("1 worker(s); 1 job(s) waiting, oldest ")

    with connection.cursor() as cursor:  # the job has now waited ten minutes
        cursor.execute("UPDATE procrastinate_events SET at = now() - interval '10 minutes'")
        cursor.execute("UPDATE procrastinate_workers SET last_heartbeat = now()")
    jobs = _jobs(api)
    assert jobs["status"] == "degraded"
    assert jobs["detail"] == "1 worker(s) not keeping up; 1 job(s) waiting, oldest 600 s"

    with connection.cursor() as cursor:  # a retry that just came due has not waited long
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() - interval '20 seconds'")
    assert _jobs(api)["detail"] == "1 worker(s); 1 job(s) waiting, oldest 20 s"

    with connection.cursor() as cursor:  # the worker went silent
        cursor.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 min'")
    assert _jobs(api)["detail"].startswith("no worker has reported in the last 30 s; 1 job(s)")
