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
