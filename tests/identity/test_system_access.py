"""Agency systems with real Keycloak client-credentials tokens: one case table, REST and GraphQL.

Agency A has two systems: an administrator (``content:read``, ``agency:admin``) and a
reader (``content:read``). In Keycloak the administrator's service account was also
given ``facts:write`` behind the hub's back; the hub grants only the scopes its own
record lists, so that role counts for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from agencies.models import Agency, ApiKey, Membership
from agencies.services import apikey_create
from hub.models import AuditEntry
from tests.conftest import PLATFORM, Api
from tests.identity.conftest import System, unique

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


@dataclass
class World:
    a: Agency
    b: Agency
    a_memberships: list[int]
    b_membership: int
    a_keys: list[int]
    newcomers: list[int]
    admin: System
    reader: System


@pytest.fixture
def world(keycloak, make_agency, make_person, make_system) -> World:
    a = make_agency(unique("a"))
    b = make_agency(unique("b"))
    make_person(a, "editor")
    make_person(b, "verifier")
    apikey_create(principal=PLATFORM, agency=a, name="Situs lama", scopes=["content:read"])
    admin = make_system(a, "content:read", "agency:admin")
    reader = make_system(a, "content:read")
    kc = keycloak.admin()
    api_uuid = kc.get_client_id("simpul-api")
    account = kc.get_client_service_account_user(kc.get_client_id(admin.record.oauth_client))
    kc.assign_client_role(account["id"], api_uuid, [kc.get_client_role(api_uuid, "facts:write")])
    return World(
        a=a,
        b=b,
        a_memberships=list(
            Membership.objects.filter(agency=a).order_by("id").values_list("id", flat=True)
        ),
        b_membership=Membership.objects.get(agency=b).pk,
        a_keys=list(ApiKey.objects.filter(agency=a).values_list("id", flat=True)),
        newcomers=[make_person().pk, make_person().pk],
        admin=admin,
        reader=reader,
    )


def rest_outcome(response) -> object:
    """'ok' (with the ids a list returned), or the error code a caller sees."""
    if response.status_code in (200, 201, 204):
        body = response.json() if response.content else {}
        if "results" in body:
            return ("ok", sorted(row["id"] for row in body["results"]))
        return "ok"
    body = response.json()
    if body.get("errors"):
        return body["errors"][0]["code"]
    return body["code"]


def gql_outcome(result: dict, field: str) -> object:
    if result.get("errors"):
        return result["errors"][0]["extensions"]["code"]
    payload = result["data"][field]
    if payload is None:
        return "not_found"
    if "edges" in payload:
        return ("ok", sorted(edge["node"]["databaseId"] for edge in payload["edges"]))
    if payload.get("errors"):
        return payload["errors"][0]["code"]
    return "ok"


@dataclass
class Case:
    system: str  # "admin" | "reader"
    rest: Callable[[Api, World], object]
    gql: Callable[[Api, World], object]
    expected: Callable[[World], object]


def _gql(client: Api, query: str, field: str, **variables) -> object:
    return gql_outcome(client.gql(query, variables), field)


MEMBERSHIPS = (
    "query($agency: String) { memberships(agency: $agency) { edges { node { databaseId } } } }"
)
KEYS = "query { apiKeys { edges { node { databaseId } } } }"
AGENCY = "query($slug: String!) { agency(slug: $slug) { slug } }"
MEMBERSHIP_CREATE = """mutation($agency: String!, $user: Int!) {
  membershipCreate(agency: $agency, user: $user, role: "viewer") { errors { code } }
}"""
AGENCY_UPDATE = """mutation($slug: String!) {
  agencyUpdate(slug: $slug, input: {website: "https://contoh.go.id"}) { errors { code } }
}"""
KEY_CREATE = """mutation($agency: String!, $scopes: [String!]!) {
  apiKeyCreate(agency: $agency, name: "Baru", scopes: $scopes) { errors { code } }
}"""
MEMBERSHIP_DELETE = "mutation($id: Int!) { membershipDelete(id: $id) { errors { code } } }"

CASES = {
    "reads its agency's memberships": Case(
        "admin",
        lambda c, w: rest_outcome(c.get("/api/v1/memberships/")),
        lambda c, w: _gql(c, MEMBERSHIPS, "memberships"),
        lambda w: ("ok", w.a_memberships),
    ),
    "reads its agency's API keys": Case(
        "admin",
        lambda c, w: rest_outcome(c.get("/api/v1/api-keys/")),
        lambda c, w: _gql(c, KEYS, "apiKeys"),
        lambda w: ("ok", w.a_keys),
    ),
    "reads another agency's published record": Case(
        "reader",
        lambda c, w: rest_outcome(c.get(f"/api/v1/agencies/{w.b.slug}/")),
        lambda c, w: _gql(c, AGENCY, "agency", slug=w.b.slug),
        lambda w: "ok",
    ),
    "does not see another agency's members": Case(
        "admin",
        lambda c, w: rest_outcome(c.get(f"/api/v1/memberships/?agency={w.b.slug}")),
        lambda c, w: _gql(c, MEMBERSHIPS, "memberships", agency=w.b.slug),
        lambda w: ("ok", []),
    ),
    "without agency:admin sees no members": Case(
        "reader",
        lambda c, w: rest_outcome(c.get("/api/v1/memberships/")),
        lambda c, w: _gql(c, MEMBERSHIPS, "memberships"),
        lambda w: ("ok", []),
    ),
    "adds a member to its agency": Case(
        "admin",
        lambda c, w: rest_outcome(
            c.post(
                "/api/v1/memberships/",
                {"agency": w.a.slug, "user": w.newcomers[0], "role": "viewer"},
            )
        ),
        lambda c, w: _gql(
            c, MEMBERSHIP_CREATE, "membershipCreate", agency=w.a.slug, user=w.newcomers[1]
        ),
        lambda w: "ok",
    ),
    "cannot add a member without agency:admin": Case(
        "reader",
        lambda c, w: rest_outcome(
            c.post(
                "/api/v1/memberships/",
                {"agency": w.a.slug, "user": w.newcomers[0], "role": "viewer"},
            )
        ),
        lambda c, w: _gql(
            c, MEMBERSHIP_CREATE, "membershipCreate", agency=w.a.slug, user=w.newcomers[1]
        ),
        lambda w: "permission_denied",
    ),
    "cannot add a member to another agency": Case(
        "admin",
        lambda c, w: rest_outcome(
            c.post(
                "/api/v1/memberships/",
                {"agency": w.b.slug, "user": w.newcomers[0], "role": "viewer"},
            )
        ),
        lambda c, w: _gql(
            c, MEMBERSHIP_CREATE, "membershipCreate", agency=w.b.slug, user=w.newcomers[1]
        ),
        lambda w: "permission_denied",
    ),
    "cannot remove another agency's member": Case(
        "admin",
        lambda c, w: rest_outcome(c.delete(f"/api/v1/memberships/{w.b_membership}/")),
        lambda c, w: _gql(c, MEMBERSHIP_DELETE, "membershipDelete", id=w.b_membership),
        lambda w: "not_found",
    ),
    "changes its agency's website": Case(
        "admin",
        lambda c, w: rest_outcome(
            c.patch(f"/api/v1/agencies/{w.a.slug}/", {"website": "https://contoh.go.id"})
        ),
        lambda c, w: _gql(c, AGENCY_UPDATE, "agencyUpdate", slug=w.a.slug),
        lambda w: "ok",
    ),
    "cannot change another agency": Case(
        "admin",
        lambda c, w: rest_outcome(
            c.patch(f"/api/v1/agencies/{w.b.slug}/", {"website": "https://contoh.go.id"})
        ),
        lambda c, w: _gql(c, AGENCY_UPDATE, "agencyUpdate", slug=w.b.slug),
        lambda w: "permission_denied",
    ),
    "cannot use a scope granted only in Keycloak": Case(
        "admin",
        lambda c, w: rest_outcome(
            c.post(
                "/api/v1/api-keys/",
                {"agency": w.a.slug, "name": "Baru", "scopes": ["facts:write"]},
            )
        ),
        lambda c, w: _gql(c, KEY_CREATE, "apiKeyCreate", agency=w.a.slug, scopes=["facts:write"]),
        lambda w: "scope_escalation",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_case_table_over_rest_and_graphql(world: World, name: str):
    case = CASES[name]
    system = world.admin if case.system == "admin" else world.reader
    client = Api(key=system.token())
    expected = case.expected(world)
    assert case.rest(client, world) == expected, "REST"
    assert case.gql(client, world) == expected, "GraphQL"


def test_the_token_acts_as_its_agency_system(world: World):
    client = Api(key=world.admin.token())
    response = client.post(
        "/api/v1/memberships/",
        {"agency": world.a.slug, "user": world.newcomers[0], "role": "viewer"},
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.filter(action="membership.create").latest("id")
    assert entry.actor == f"system:{world.admin.record.oauth_client}"
    assert entry.agency_id == world.a.pk
    world.admin.record.refresh_from_db()
    assert world.admin.record.last_used_at is not None
