"""Hub API keys: shown once, stored hashed, expiring, revocable, rate-limited failures."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import ApiKey
from hub.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_created_key_is_shown_once_and_stored_hashed(api, make_agency, make_user):
    agency = make_agency("bnpb-kunci")
    admin = make_user(agency, "agency_admin")
    response = api(user=admin).post(
        "/api/v1/api-keys/",
        {"agency": agency.slug, "name": "Situs web", "scopes": ["content:read"]},
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret = body["secret"]
    assert secret.startswith(f"smpl_{body['prefix']}_")
    stored = ApiKey.objects.get(pk=body["id"])
    assert secret not in str(stored.__dict__) and stored.key_hash != secret
    assert stored.expires_at > timezone.now() + timedelta(days=300)
    again = api(user=admin).get(f"/api/v1/api-keys/{body['id']}/").json()
    assert "secret" not in again and again["prefix"] == body["prefix"]
    # The key authenticates as the agency's system and records its use.
    listing = api(key=secret).get("/api/v1/agencies/bnpb-kunci/")
    assert listing.status_code == 200
    assert ApiKey.objects.get(pk=body["id"]).last_used_at is not None


def test_revoked_expired_and_unknown_keys_are_refused(api, make_agency, make_key):
    agency = make_agency("kunci-cabut")
    secret = make_key(agency, "content:read")
    key = ApiKey.objects.get(agency=agency)
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api(key=secret).get("/api/v1/regions/35/")
    assert expired.status_code == 401 and expired.json()["code"] == "invalid_api_key"
    assert expired["WWW-Authenticate"] == 'Bearer realm="simpul"'  # how to authenticate
    anonymous = api().post("/api/v1/media-collections/", {"title": "x"})
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="simpul"'
    ApiKey.objects.filter(pk=key.pk).update(expires_at=None, revoked_at=timezone.now())
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 401
    forged = secret[:-4] + "AAAA"
    assert api(key=forged).get("/api/v1/regions/35/").status_code == 401
    failures = AuditEntry.objects.filter(action="auth.failure")
    assert failures.count() >= 3
    assert failures.latest("id").after["method"] == "api_key"


def test_suspended_agency_key_stops_working(api, make_agency, make_key, make_user):
    agency = make_agency("kunci-tangguh")
    secret = make_key(agency, "content:read")
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 200
    admin = make_user(superuser=True)
    assert (
        api(user=admin)
        .patch("/api/v1/agencies/kunci-tangguh/", {"status": "suspended"})
        .status_code
        == 200
    )
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 401


def test_repeated_failures_are_rate_limited(api, settings):
    settings.HUB_AUTH_FAILURE_LIMIT = 5
    client = api(key="smpl_00000000_" + "x" * 30)
    statuses = [client.get("/api/v1/regions/35/").status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    limited = client.get("/api/v1/regions/35/")
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited" and int(limited["Retry-After"]) >= 1


def test_scope_escalation_is_refused(api, make_agency, make_key):
    agency = make_agency("kunci-eskalasi")
    secret = make_key(agency, "agency:admin")
    response = api(key=secret).post(
        "/api/v1/api-keys/", {"agency": agency.slug, "name": "x", "scopes": ["facts:write"]}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "scope_escalation"


def test_cli_creates_lists_and_revokes(make_agency, capsys, api):
    make_agency("kunci-cli")
    call_command(
        "apikey", "create", "--agency", "kunci-cli", "--scope", "content:read", "--name", "cli"
    )
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("smpl_") and "shown only now" in out.err
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 200
    call_command("apikey", "list", "--agency", "kunci-cli")
    listing = capsys.readouterr().out
    prefix = secret.split("_")[1]
    assert prefix in listing and secret not in listing
    call_command("apikey", "revoke", prefix)
    assert api(key=secret).get("/api/v1/regions/35/").status_code == 401


def _ask_for_a_key(api, make_agency, make_user, slug: str, expires_at: str):
    """(the agency admin's client, its answer) to asking for a key expiring at `expires_at`."""
    agency = make_agency(slug)
    admin = api(user=make_user(agency, "agency_admin"))
    body = {"agency": slug, "name": "Situs", "scopes": ["content:read"], "expires_at": expires_at}
    return admin, admin.post("/api/v1/api-keys/", body)


@pytest.mark.parametrize(
    ("expires_at", "code"),
    [
        ("9999-12-31T23:59:59-12:00", "invalid_datetime"),  # year 10000 in UTC
        ("0001-01-01T00:00:00+07:00", "invalid_datetime"),
        ("2900-01-01T00:00:00+07:00", "too_far"),
        ("2020-01-01T00:00:00+07:00", "in_past"),
        ("besok", "invalid_datetime"),
    ],
)
def test_an_expiry_the_hub_cannot_keep_is_refused_and_no_key_is_made(
    api, make_agency, make_user, expires_at, code
):
    admin, response = _ask_for_a_key(api, make_agency, make_user, "kunci-kedaluwarsa", expires_at)
    assert response.status_code == 400, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("expires_at", code)]
    assert not ApiKey.objects.exists()
    mutation = (
        'mutation($e: DateTime) { apiKeyCreate(agency: "kunci-kedaluwarsa", name: "Situs", '
        'scopes: ["content:read"], expiresAt: $e) { apiKey { prefix } errors { field code } } }'
    )
    if code != "invalid_datetime":  # GraphQL's DateTime refuses those before the service
        result = admin.gql(mutation, {"e": expires_at})["data"]["apiKeyCreate"]
        assert result == {"apiKey": None, "errors": [{"field": "expires_at", "code": code}]}
    assert not ApiKey.objects.exists()
    assert admin.get("/api/v1/api-keys/").status_code == 200


@pytest.mark.parametrize("expires_at", ["2027-06-01T00:00:00", "2027-06-01"])
def test_an_expiry_without_an_offset_is_the_hubs_time(
    api, make_agency, make_user, settings, expires_at
):
    from zoneinfo import ZoneInfo

    _, response = _ask_for_a_key(api, make_agency, make_user, "kunci-wib", expires_at)
    assert response.status_code == 201, response.content
    stored = ApiKey.objects.get().expires_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert stored.isoformat() == "2027-06-01T00:00:00+07:00"
