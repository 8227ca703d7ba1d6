"""Without Keycloak the embedded identity works exactly as before, and nothing calls out."""

from __future__ import annotations

import pytest
from django.db import connection

from agencies.services import agency_update
from hub.models import AuditEntry
from tests.conftest import PLATFORM, Api

pytestmark = pytest.mark.django_db


def identity_jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'identity'")
        return cursor.fetchone()[0]


def test_without_keycloak_a_jwt_is_no_credential_and_keys_still_work(api, make_agency, make_key):
    agency = make_agency()
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    response = api(key=jwt_like).get("/api/v1/memberships/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert not AuditEntry.objects.filter(action="auth.failure").exists()
    assert api(key=make_key(agency, "agency:admin")).get("/api/v1/memberships/").status_code == 200


def test_without_keycloak_nothing_is_queued_for_provisioning(make_agency, make_user):
    agency = make_agency()
    agency_update(principal=PLATFORM, agency=agency, data={"status": "suspended"})
    make_user(agency, "editor")
    assert identity_jobs() == 0


def test_api_clients_need_keycloak(make_agency, make_user):
    agency = make_agency()
    admin = Api(user=make_user(agency, "agency_admin"))
    response = admin.post(
        "/api/v1/api-clients/", {"agency": agency.slug, "name": "X", "scopes": ["content:read"]}
    )
    assert response.status_code == 409 and response.json()["code"] == "keycloak_not_configured"
    result = admin.gql(
        'mutation($a: String!) { apiClientCreate(agency: $a, name: "X", scopes: ["content:read"])'
        " { errors { code } } }",
        {"a": agency.slug},
    )
    assert result["data"]["apiClientCreate"]["errors"] == [{"code": "keycloak_not_configured"}]


def test_readiness_reports_embedded_identity(api):
    body = api().get("/readyz").json()
    assert body["components"]["identity"]["status"] == "ok"
    assert body["components"]["identity"]["detail"].startswith("embedded")
    assert body["components"]["identity"]["required"] is False


def test_keycloak_sync_refuses_without_keycloak():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="KEYCLOAK_URL is not set"):
        call_command("keycloak_sync")
