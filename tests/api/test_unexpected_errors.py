"""An unexpected failure still answers problem+json 500 with a stable code, no traceback."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="tests.api.crash_urls", DEBUG=False)
def test_unhandled_exception_is_problem_json():
    response = Client(raise_request_exception=False).get("/crash/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "internal_error" and body["detail"] == "Internal server error."
    assert "unexpected" not in response.content.decode()


def test_an_unexpected_graphql_failure_is_logged_and_answered_without_its_details(
    monkeypatch, caplog
):
    def broken(code):
        raise RuntimeError("password=rahasia host=10.0.0.5")

    monkeypatch.setattr("api.graphql.agencies.region_ancestors", broken)
    response = Client(raise_request_exception=False).post(
        "/graphql",
        {"query": '{ region(code: "35.07") { code ancestors { code } } }'},
        content_type="application/json",
    )
    assert response.status_code == 200  # the rest of the answer stands
    body = response.json()
    assert body["data"]["region"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "internal_error"
    assert error["message"] == "Internal server error."
    assert "rahasia" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "api.graphql.view"]
    assert logged and "rahasia" in str(logged[0].exc_info[1])


def test_graphql_failing_before_any_field_is_logged_and_answered_without_details(
    monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("dsn=postgresql://simpul:rahasia@10.0.0.5/simpul")

    monkeypatch.setattr("api.graphql.view.execute", broken)
    response = Client(raise_request_exception=False).post(
        "/graphql", {"query": '{ region(code: "35.07") { code } }'}, content_type="application/json"
    )
    [error] = response.json()["errors"]
    assert (error["extensions"]["code"], error["message"]) == (
        "internal_error",
        "Internal server error.",
    )
    assert "rahasia" not in response.content.decode()
    assert any(r.name == "api.graphql.view" and r.exc_info for r in caplog.records)
