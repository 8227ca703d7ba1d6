"""Forged and unusable tokens through HTTP: each is refused with 401 and changes nothing.

Tokens with chosen claims are signed with an RSA key the test registers in the realm
(an ``rsa`` key provider), so Keycloak genuinely publishes it: the baseline token
signed with it is accepted, and each attack differs from it in one respect only.
Revoked clients and suspended agencies use real client-credentials tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from agencies.identity.verifier import token_verifier
from agencies.models import Membership
from agencies.services import agency_update, apiclient_revoke
from hub.models import AuditEntry
from tests.conftest import PLATFORM, Api
from tests.identity.conftest import unique
from tests.support.keycloak import KeycloakServer

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict, claims: dict, signature: bytes = b"") -> str:
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{body}.{b64url(signature)}"


@dataclass
class PublishedKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def sign(self, claims: dict, *, kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid}
        )


@pytest.fixture(scope="module")
def published_key(keycloak_server: KeycloakServer) -> Iterator[PublishedKey]:
    """A test RSA key the realm publishes in its JWKS (low priority: not used for signing)."""
    admin = keycloak_server.master_admin()
    realm_id = admin.get_realm(keycloak_server.realm)["id"]
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")
    component_id = admin.create_component(
        {
            "name": unique("hub-test-rsa"),
            "providerId": "rsa",
            "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": realm_id,
            "config": {
                "priority": ["1"],
                "enabled": ["true"],
                "active": ["true"],
                "algorithm": ["RS256"],
                "privateKey": [pem],
            },
        }
    )
    kid = next(k["kid"] for k in admin.get_keys()["keys"] if k.get("providerId") == component_id)
    try:
        yield PublishedKey(kid=kid, private_key=private_key)
    finally:
        if keycloak_server.is_running():
            keycloak_server.master_admin().delete_component(component_id)


@pytest.fixture
def target(keycloak, make_agency, make_person, make_system):
    """An agency with a provisioned system (agency:admin) and a would-be new member."""
    agency = make_agency(unique("sasaran"))
    system = make_system(agency, "content:read", "agency:admin")
    return agency, system, make_person()


@pytest.fixture
def claims(keycloak, target) -> dict[str, Any]:
    """Claims of a valid access token of the target's system."""
    now = int(time.time())
    return {
        "iss": keycloak.issuer,
        "aud": ["simpul-api", "account"],
        "sub": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": target[1].record.oauth_client,
        "iat": now,
        "exp": now + 300,
        "resource_access": {"simpul-api": {"roles": ["content:read", "agency:admin"]}},
    }


def attempt_write(token: str, agency, person) -> tuple:
    """Try to add a member over REST and over GraphQL with `token`; both responses."""
    client = Api(key=token)
    rest = client.post(
        "/api/v1/memberships/", {"agency": agency.slug, "user": person.pk, "role": "viewer"}
    )
    gql = client._call(
        "post",
        "/graphql",
        {
            "query": "mutation($a: String!, $u: Int!) "
            '{ membershipCreate(agency: $a, user: $u, role: "viewer") { errors { code } } }',
            "variables": {"a": agency.slug, "u": person.pk},
        },
    )
    return rest, gql


def assert_refused(token: str, target, reason: str) -> None:
    agency, _, person = target
    before = AuditEntry.objects.filter(action="auth.failure").count()
    for response in attempt_write(token, agency, person):
        assert response.status_code == 401, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "invalid_token" and body["reason"] == reason
    assert not Membership.objects.filter(user=person).exists()
    failures = list(AuditEntry.objects.filter(action="auth.failure").order_by("id")[before:])
    assert [(entry.after["method"], entry.after["reason"]) for entry in failures] == [
        ("jwt", reason),
        ("jwt", reason),
    ]


def test_baseline_token_signed_with_the_published_key_is_accepted(published_key, claims, target):
    agency, _, person = target
    rest, _ = attempt_write(published_key.sign(claims), agency, person)
    assert rest.status_code == 201, rest.content


def test_expired(published_key, claims, target):
    now = int(time.time())
    claims.update(iat=now - 3600, exp=now - 600)
    assert_refused(published_key.sign(claims), target, "token_expired")


def test_not_yet_valid(published_key, claims, target):
    now = int(time.time())
    claims.update(nbf=now + 3600, exp=now + 7200)
    assert_refused(published_key.sign(claims), target, "token_not_yet_valid")


def test_wrong_issuer(published_key, claims, target, keycloak):
    claims["iss"] = f"{keycloak.url}/realms/master"
    assert_refused(published_key.sign(claims), target, "token_bad_issuer")


def test_wrong_audience(published_key, claims, target):
    claims["aud"] = ["account", "simpul-portal"]
    assert_refused(published_key.sign(claims), target, "token_bad_audience")


def test_alg_none(published_key, claims, target):
    token = compact({"alg": "none", "typ": "JWT", "kid": published_key.kid}, claims)
    assert_refused(token, target, "token_bad_algorithm")


def test_hs256_signed_with_the_realm_public_key(keycloak, claims, target):
    document = requests.get(keycloak.jwks_url, timeout=10).json()
    real = next(k for k in document["keys"] if k.get("use") == "sig" and k["kty"] == "RSA")
    public_pem = jwt.PyJWK(real).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    unsigned = compact({"alg": "HS256", "typ": "JWT", "kid": real["kid"]}, claims).rsplit(".", 1)[0]
    signature = hmac.new(public_pem, unsigned.encode("ascii"), hashlib.sha256).digest()
    assert_refused(f"{unsigned}.{b64url(signature)}", target, "token_bad_algorithm")


def test_another_key_with_a_known_kid(published_key, claims, target):
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": published_key.kid})
    assert_refused(token, target, "token_bad_signature")


def test_unknown_kid(published_key, claims, target):
    """Unknown to Keycloak when the hub asked: 401, counted. Sent again before the hub may
    ask again: 503 identity_unavailable with Retry-After, not counted (a key Keycloak
    has just rotated to looks the same, and it is not the caller's fault)."""
    agency, _, person = target
    token = published_key.sign(claims, kid=f"forged-{uuid.uuid4().hex}")
    before = AuditEntry.objects.filter(action="auth.failure").count()
    rest, gql = attempt_write(token, agency, person)
    assert rest.status_code == 401 and rest.json()["reason"] == "token_unknown_key"
    assert gql.status_code == 503, gql.content
    assert gql.json()["code"] == "identity_unavailable"
    assert 1 <= int(gql["Retry-After"]) <= 60
    assert AuditEntry.objects.filter(action="auth.failure").count() == before + 1
    assert not Membership.objects.filter(user=person).exists()


def test_burst_of_unknown_kids_fetches_the_jwks_at_most_once(published_key, claims, target):
    agency, _, person = target
    jwks = token_verifier().jwks
    assert jwks.fetch_count == 0
    statuses = []
    for index in range(100):
        token = published_key.sign(claims, kid=f"forged-{index}-{uuid.uuid4().hex}")
        response = Api(key=token).post(
            "/api/v1/memberships/", {"agency": agency.slug, "user": person.pk, "role": "viewer"}
        )
        statuses.append(response.status_code)
    # One kid was looked up at Keycloak; the others waited for the refetch budget and were
    # not counted against the address (HUB_AUTH_FAILURE_LIMIT is 20: no 429).
    assert statuses == [401] + [503] * 99
    assert jwks.fetch_count <= 1
    assert AuditEntry.objects.filter(action="auth.failure").count() == 1
    assert not Membership.objects.filter(user=person).exists()
    # The genuine key still verifies, from the cache.
    rest, _ = attempt_write(published_key.sign(claims), agency, person)
    assert rest.status_code == 201
    assert jwks.fetch_count <= 1


def test_token_of_a_revoked_client(target):
    agency, system, _ = target
    token = system.token()
    assert Api(key=token).get("/api/v1/memberships/").status_code == 200
    apiclient_revoke(principal=PLATFORM, record=system.record)
    # Refused at once, before Keycloak has heard of the revocation.
    assert_refused(token, target, "client_revoked")


def test_token_of_a_suspended_agency(target):
    agency, system, _ = target
    token = system.token()
    assert Api(key=token).get("/api/v1/memberships/").status_code == 200
    agency_update(principal=PLATFORM, agency=agency, data={"status": "suspended"})
    assert_refused(token, target, "agency_suspended")


def test_token_of_a_client_the_hub_does_not_know(published_key, claims, target):
    claims["azp"] = "simpul-portal"
    assert_refused(published_key.sign(claims), target, "client_unknown")


def test_token_failures_count_towards_the_address_limit(published_key, claims, target, settings):
    settings.HUB_AUTH_FAILURE_LIMIT = 3
    now = int(time.time())
    expired = published_key.sign({**claims, "iat": now - 3600, "exp": now - 600})
    client = Api(key=expired)
    statuses = [client.get("/api/v1/memberships/").status_code for _ in range(3)]
    # A wrong API key from the same address meets the same counter.
    key = Api(key="smpl_00000000_" + "x" * 30).get("/api/v1/memberships/")
    limited = Api(key=published_key.sign(claims)).get("/api/v1/memberships/")
    assert statuses == [401, 401, 401]
    assert key.status_code == 429
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
