"""The api-clients resource (REST and GraphQL): create, rotate and revoke under the policy.

The secret is shown once, never stored in plain text, and works with Keycloak once
the client is provisioned; rotation replaces it, revocation refuses tokens at once.
"""

from __future__ import annotations

import pytest
from keycloak.exceptions import KeycloakError

from agencies.models import ApiClient
from hub.models import AuditEntry
from tests.conftest import Api
from tests.identity.conftest import unique

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


def stored_everywhere(record_id: int) -> str:
    """Every value the hub keeps about a client, and every audit entry, as one text."""
    row = ApiClient.objects.filter(pk=record_id).values().get()
    audit = list(AuditEntry.objects.values_list("before", "after"))
    return f"{row} {audit}"


def client_credentials(keycloak, oauth_client: str, secret: str) -> str:
    return keycloak.openid(oauth_client, secret).token(grant_type="client_credentials")[
        "access_token"
    ]


def test_rest_create_rotate_revoke(keycloak, jobs, make_agency, make_user):
    agency = make_agency(unique("klien"))
    admin = Api(user=make_user(agency, "agency_admin"))
    response = admin.post(
        "/api/v1/api-clients/",
        {"agency": agency.slug, "name": "Aplikasi pengaduan", "scopes": ["content:read"]},
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret, oauth_client = body["secret"], body["client_id"]
    assert oauth_client.startswith(f"{agency.slug}-") and body["sync_state"] == "pending"
    assert secret not in stored_everywhere(body["id"])
    assert "secret" not in admin.get(f"/api/v1/api-clients/{body['id']}/").json()

    jobs.run()
    assert admin.get(f"/api/v1/api-clients/{body['id']}/").json()["sync_state"] == "synced"
    token = client_credentials(keycloak, oauth_client, secret)
    assert Api(key=token).get(f"/api/v1/agencies/{agency.slug}/").status_code == 200

    rotated = admin.post(f"/api/v1/api-clients/{body['id']}/rotate/")
    assert rotated.status_code == 200, rotated.content
    assert rotated["Cache-Control"] == "no-store"
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and new_secret not in stored_everywhere(body["id"])
    # The old secret works until Keycloak has the new one.
    assert client_credentials(keycloak, oauth_client, secret)
    jobs.run()
    with pytest.raises(KeycloakError):
        client_credentials(keycloak, oauth_client, secret)
    token = client_credentials(keycloak, oauth_client, new_secret)

    assert admin.delete(f"/api/v1/api-clients/{body['id']}/").status_code == 204
    refused = Api(key=token).get(f"/api/v1/agencies/{agency.slug}/")
    assert refused.status_code == 401 and refused.json()["reason"] == "client_revoked"
    jobs.run()
    with pytest.raises(KeycloakError):
        client_credentials(keycloak, oauth_client, new_secret)
    assert admin.post(f"/api/v1/api-clients/{body['id']}/rotate/").json()["code"] == (
        "client_revoked"
    )
    actions = AuditEntry.objects.filter(entity="api_client", entity_id=str(body["id"]))
    assert {"apiclient.create", "apiclient.rotate", "apiclient.revoke"} <= set(
        actions.values_list("action", flat=True)
    )


def test_graphql_create_rotate_revoke(keycloak, jobs, make_agency, make_user):
    agency = make_agency(unique("klien-gql"))
    admin = Api(user=make_user(agency, "agency_admin"))
    created = admin.gql(
        """mutation($agency: String!) {
          apiClientCreate(agency: $agency, name: "Dasbor", scopes: ["content:read"]) {
            clientId secret apiClient { databaseId syncState } errors { code }
          }
        }""",
        {"agency": agency.slug},
    )["data"]["apiClientCreate"]
    assert created["errors"] == [] and created["apiClient"]["syncState"] == "pending"
    record_id = created["apiClient"]["databaseId"]
    jobs.run()
    assert client_credentials(keycloak, created["clientId"], created["secret"])

    rotated = admin.gql(
        "mutation($id: Int!) { apiClientRotate(id: $id) { secret errors { code } } }",
        {"id": record_id},
    )["data"]["apiClientRotate"]
    assert rotated["errors"] == [] and rotated["secret"] != created["secret"]
    jobs.run()
    assert client_credentials(keycloak, created["clientId"], rotated["secret"])

    revoked = admin.gql(
        "mutation($id: Int!) "
        "{ apiClientRevoke(id: $id) { apiClient { revokedAt } errors { code } } }",
        {"id": record_id},
    )["data"]["apiClientRevoke"]
    assert revoked["errors"] == [] and revoked["apiClient"]["revokedAt"]


def test_who_may_manage_api_clients(keycloak, make_agency, make_user, make_system):
    own = make_agency(unique("milik"))
    other = make_agency(unique("lain"))
    admin_system = make_system(own, "content:read", "agency:admin")
    other_system = make_system(other, "content:read")
    editor = Api(user=make_user(own, "editor"))
    other_admin = Api(user=make_user(other, "agency_admin"))
    system = Api(key=admin_system.token())
    data = {"agency": own.slug, "name": "Baru", "scopes": ["content:read"]}

    assert editor.post("/api/v1/api-clients/", data).status_code == 403
    assert other_admin.post("/api/v1/api-clients/", data).status_code == 403
    assert other_admin.get(f"/api/v1/api-clients/{admin_system.record.pk}/").status_code == 404
    assert (
        other_admin.post(f"/api/v1/api-clients/{admin_system.record.pk}/rotate/").status_code == 404
    )
    # A system with agency:admin manages its own agency's clients, within its own scopes.
    assert system.post("/api/v1/api-clients/", data).status_code == 201
    escalation = system.post("/api/v1/api-clients/", {**data, "scopes": ["facts:write"]})
    assert escalation.json()["errors"][0]["code"] == "scope_escalation"
    listed = {row["id"] for row in system.get("/api/v1/api-clients/").json()["results"]}
    assert admin_system.record.pk in listed and other_system.record.pk not in listed
    gql = system.gql("query { apiClients { edges { node { databaseId } } } }")
    assert {edge["node"]["databaseId"] for edge in gql["data"]["apiClients"]["edges"]} == listed
    reader = Api(key=other_system.token())
    assert reader.post("/api/v1/api-clients/", {**data, "agency": other.slug}).status_code == 403
