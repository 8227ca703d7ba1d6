"""One case table drives REST and GraphQL: the same principal gets the same answer."""

from dataclasses import dataclass

import pytest

from agencies.models import ApiKey, Membership

pytestmark = pytest.mark.django_db


@dataclass
class World:
    a: object
    b: object
    b_member: Membership
    b_key: ApiKey
    outsider: object


@pytest.fixture
def world(make_agency, make_user, make_key):
    a = make_agency("instansi-a")
    b = make_agency("instansi-b")
    b_admin = make_user(b, "agency_admin")
    b_member = Membership.objects.get(user=b_admin, agency=b)
    make_key(b, "content:read")
    b_key = ApiKey.objects.get(agency=b)
    outsider = make_user()
    return World(a, b, b_member, b_key, outsider)


def principal(api, world, make_user, make_key, who):
    if who == "anonymous":
        return api()
    if who == "editor_a":
        return api(user=make_user(world.a, "editor"))
    if who == "admin_a":
        return api(user=make_user(world.a, "agency_admin"))
    if who == "system_a_admin_scope":
        return api(key=make_key(world.a, "agency:admin", "content:read"))
    if who == "admin_b":
        return api(user=make_user(world.b, "agency_admin"))
    raise AssertionError(who)


# (who, operation, expected REST status, expected GraphQL error code or None for success)
CASES = [
    ("anonymous", "list_memberships_b", 401, "not_authenticated"),
    ("anonymous", "list_keys_b", 401, "not_authenticated"),
    ("anonymous", "add_member_b", 401, "not_authenticated"),
    ("anonymous", "revoke_key_b", 401, "not_authenticated"),
    ("editor_a", "list_memberships_b", "empty", "empty"),
    ("editor_a", "list_keys_b", "empty", "empty"),
    ("editor_a", "read_member_b", 404, "absent"),
    ("editor_a", "add_member_b", 403, "permission_denied"),
    ("editor_a", "remove_member_b", 404, "not_found"),
    ("editor_a", "create_key_b", 403, "permission_denied"),
    ("editor_a", "revoke_key_b", 404, "not_found"),
    ("admin_a", "add_member_b", 403, "permission_denied"),
    ("admin_a", "create_key_b", 403, "permission_denied"),
    ("admin_a", "revoke_key_b", 404, "not_found"),
    ("system_a_admin_scope", "list_keys_b", "empty", "empty"),
    ("system_a_admin_scope", "create_key_b", 403, "permission_denied"),
    ("admin_b", "list_memberships_b", "nonempty", "nonempty"),
    ("admin_b", "list_keys_b", "nonempty", "nonempty"),
    ("admin_b", "create_key_b", 201, None),
    ("admin_b", "revoke_key_b", 204, None),
]


def rest(client, world, operation):
    b = world.b
    if operation == "list_memberships_b":
        return client.get(f"/api/v1/memberships/?agency={b.slug}")
    if operation == "list_keys_b":
        return client.get(f"/api/v1/api-keys/?agency={b.slug}")
    if operation == "read_member_b":
        return client.get(f"/api/v1/memberships/{world.b_member.pk}/")
    if operation == "add_member_b":
        return client.post(
            "/api/v1/memberships/",
            {"agency": b.slug, "user": world.outsider.pk, "role": "editor"},
        )
    if operation == "remove_member_b":
        return client.delete(f"/api/v1/memberships/{world.b_member.pk}/")
    if operation == "create_key_b":
        return client.post(
            "/api/v1/api-keys/", {"agency": b.slug, "name": "x", "scopes": ["content:read"]}
        )
    if operation == "revoke_key_b":
        return client.delete(f"/api/v1/api-keys/{world.b_key.pk}/")
    raise AssertionError(operation)


EDGES = "{ edges { node { databaseId } } }"
ERRORS = "errors { field code message }"


def graphql(client, world, operation):
    """Run the operation over GraphQL; returns ("ok"|error code|"empty"|"nonempty"|"absent")."""
    b = world.b
    if operation in {"list_memberships_b", "list_keys_b"}:
        field = "memberships" if operation == "list_memberships_b" else "apiKeys"
        response = client.client.post(
            "/graphql",
            data={"query": f'{{ {field}(agency: "{b.slug}") {EDGES} }}'},
            content_type="application/json",
        )
        body = response.json()
        if body.get("errors"):
            return body["errors"][0]["extensions"]["code"]
        data = body["data"][field]["edges"]
        return "nonempty" if data else "empty"
    if operation == "read_member_b":
        query = f"{{ memberships(user: {world.b_member.user_id}) {EDGES} }}"
        data = client.gql(query)["data"]["memberships"]["edges"]
        return (
            "absent"
            if world.b_member.pk not in [e["node"]["databaseId"] for e in data]
            else "present"
        )
    mutations = {
        "add_member_b": (
            f'membershipCreate(agency: "{b.slug}", user: {world.outsider.pk}, role: "editor")',
            "membership { databaseId }",
        ),
        "remove_member_b": (f"membershipDelete(id: {world.b_member.pk})", "ok"),
        "create_key_b": (
            f'apiKeyCreate(agency: "{b.slug}", name: "x", scopes: ["content:read"])',
            "secret",
        ),
        "revoke_key_b": (f"apiKeyRevoke(id: {world.b_key.pk})", "apiKey { revokedAt }"),
    }
    call, selection = mutations[operation]
    response = client.client.post(
        "/graphql",
        data={"query": f"mutation {{ result: {call} {{ {selection} {ERRORS} }} }}"},
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200
    errors = body["data"]["result"]["errors"]
    return errors[0]["code"] if errors else None


def _count(world):
    return (
        Membership.objects.filter(agency=world.b).count(),
        ApiKey.objects.filter(agency=world.b, revoked_at=None).count(),
    )


@pytest.mark.parametrize("who, operation, status, gql_code", CASES)
def test_rest(api, world, make_user, make_key, who, operation, status, gql_code):
    client = principal(api, world, make_user, make_key, who)
    before = _count(world)
    response = rest(client, world, operation)
    if status in {"empty", "nonempty"}:
        assert response.status_code == 200
        assert bool(response.json()["results"]) == (status == "nonempty")
    else:
        assert response.status_code == status, response.content
        if status >= 400:
            assert response["Content-Type"] == "application/problem+json"
            assert _count(world) == before


@pytest.mark.parametrize("who, operation, status, gql_code", CASES)
def test_graphql(api, world, make_user, make_key, who, operation, status, gql_code):
    client = principal(api, world, make_user, make_key, who)
    before = _count(world)
    result = graphql(client, world, operation)
    assert result == gql_code
    if gql_code not in (None, "empty", "nonempty", "absent"):
        assert _count(world) == before
