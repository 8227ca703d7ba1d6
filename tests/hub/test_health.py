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
