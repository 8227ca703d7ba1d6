"""The admin's password form counts failures with every other credential: guessing is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from hub.models import AuditEntry
from tests.conftest import Api

pytestmark = pytest.mark.django_db

GUESSER, COLLEAGUE = "198.51.100.20", "198.51.100.21"


def _sign_in(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def test_guessing_a_staff_password_is_refused_after_the_limit(settings, make_user):
    settings.HUB_AUTH_FAILURE_LIMIT = 3
    staff = make_user(superuser=True)
    for guess in ("rahasia", "123456", "simpul2026"):
        page = _sign_in(staff.username, guess, GUESSER)
        assert page.status_code == 200 and page.context["form"].errors  # the form again
    # The right password now changes nothing: the address is refused before any check.
    refused = _sign_in(staff.username, "test-password-123", GUESSER)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Terlalu banyak percobaan gagal" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    failures = AuditEntry.objects.filter(action="auth.failure")
    assert [(entry.entity_id, entry.ip, entry.after["method"]) for entry in failures] == [
        (staff.username, GUESSER, "password")
    ] * 3
    # Someone else at another address signs in as usual.
    assert _sign_in(staff.username, "test-password-123", COLLEAGUE).status_code == 302


def test_one_limit_whatever_credential_the_address_tries(
    settings, make_user, make_agency, make_key
):
    settings.HUB_AUTH_FAILURE_LIMIT = 2
    key = make_key(make_agency("bpbd-jatim"))
    staff = make_user(superuser=True)
    for _ in range(2):
        _sign_in(staff.username, "salah", GUESSER)
    answer = Api(key=key).get("/api/v1/me", REMOTE_ADDR=GUESSER)
    assert answer.status_code == 429 and answer.json()["code"] == "rate_limited"
    assert Api(key=key).get("/api/v1/me", REMOTE_ADDR=COLLEAGUE).status_code == 200


def test_a_staff_sign_in_lasts_a_working_day(make_user):
    staff = make_user(superuser=True)
    signed_in = _sign_in(staff.username, "test-password-123", COLLEAGUE)
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["max-age"] == 12 * 3600
