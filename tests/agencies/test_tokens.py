"""agencies.tokens against a real Keycloak: real tokens verify, forged ones are refused.

Tokens with chosen claims are signed with an RSA key the test generates and registers in the
realm as an ``rsa`` key provider, so Keycloak genuinely publishes it in its JWKS; nothing about
Keycloak is mocked. Kept free of Django.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from keycloak.exceptions import KeycloakError

from agencies.tokens import (
    JwksCache,
    KeyNotFetchedYet,
    TokenRejected,
    TokenVerifier,
    client_id,
    client_scopes,
)
from tests.support.keycloak import API_CLIENT_ID, KeycloakServer, realm_client_secret

pytestmark = pytest.mark.keycloak


# -- helpers ---------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingSession(requests.Session):
    """A real requests session that counts the HTTP responses it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.responses = 0
        self._count_lock = threading.Lock()
        self.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        with self._count_lock:
            self.responses += 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS built by hand, for tokens no honest library would produce."""
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{body}.{b64url(signature)}"


@dataclass
class SigningKey:
    """An RSA key registered in the realm as an ``rsa`` key provider."""

    kid: str
    private_key: rsa.RSAPrivateKey
    component_id: str

    def sign(self, claims: dict[str, Any], *, kid: str | None = None, alg: str = "RS256") -> str:
        return jwt.encode(claims, self.private_key, algorithm=alg, headers={"kid": kid or self.kid})


def _rsa_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key(keycloak_server: KeycloakServer) -> Iterator[SigningKey]:
    """A test-generated RSA key that the realm publishes in its JWKS (low priority, so the
    realm keeps signing its own tokens with its generated key)."""
    admin = keycloak_server.master_admin()
    realm_id = admin.get_realm(keycloak_server.realm)["id"]
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = f"test-rsa-{uuid.uuid4().hex[:8]}"
    component_id = admin.create_component(
        {
            "name": name,
            "providerId": "rsa",
            "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": realm_id,
            "config": {
                "priority": ["1"],
                "enabled": ["true"],
                "active": ["true"],
                "algorithm": ["RS256"],
                "privateKey": [_rsa_pem(private_key)],
            },
        }
    )
    keys = admin.get_keys()["keys"]
    kid = next(k["kid"] for k in keys if k.get("providerId") == component_id)
    try:
        yield SigningKey(kid=kid, private_key=private_key, component_id=component_id)
    finally:
        if keycloak_server.is_running():
            keycloak_server.master_admin().delete_component(component_id)


@pytest.fixture(scope="module")
def realm_jwks(keycloak_server: KeycloakServer, signing_key: SigningKey) -> dict[str, Any]:
    """The realm's JWKS document as served (includes the test key)."""
    document = requests.get(keycloak_server.jwks_url, timeout=10).json()
    assert signing_key.kid in {k["kid"] for k in document["keys"]}
    return document


@pytest.fixture
def jwks(keycloak_server: KeycloakServer) -> JwksCache:
    return JwksCache(keycloak_server.jwks_url, session=CountingSession())


@pytest.fixture
def verifier(keycloak_server: KeycloakServer, jwks: JwksCache) -> TokenVerifier:
    return TokenVerifier(issuer=keycloak_server.issuer, audience=API_CLIENT_ID, jwks=jwks)


@pytest.fixture
def claims(keycloak_server: KeycloakServer) -> dict[str, Any]:
    """Claims of a well-formed access token for the hub API, valid now."""
    now = int(time.time())
    return {
        "iss": keycloak_server.issuer,
        "aud": [API_CLIENT_ID, "account"],
        "sub": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": "agency-system-test",
        "iat": now,
        "exp": now + 300,
        "resource_access": {API_CLIENT_ID: {"roles": ["content:read", "media:write"]}},
    }


def _rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as info:
        verifier.verify(token)
    return info.value.code


# -- real tokens -----------------------------------------------------------------------------


def test_client_credentials_token_from_keycloak_verifies(
    keycloak_server: KeycloakServer, verifier: TokenVerifier
) -> None:
    """A confidential client created through the hub's admin rights gets a real token."""
    admin = keycloak_server.admin()
    system_id = f"test-system-{uuid.uuid4().hex[:8]}"
    secret = uuid.uuid4().hex
    internal_id = admin.create_client(
        {
            "clientId": system_id,
            "enabled": True,
            "publicClient": False,
            "clientAuthenticatorType": "client-secret",
            "secret": secret,
            "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "directAccessGrantsEnabled": False,
        }
    )
    try:
        api_internal_id = admin.get_client_id(API_CLIENT_ID)
        role = admin.get_client_role(api_internal_id, "content:read")
        service_user = admin.get_client_service_account_user(internal_id)
        admin.assign_client_role(service_user["id"], api_internal_id, [role])

        token = keycloak_server.openid(system_id, secret).token(grant_type="client_credentials")
        verified = verifier.verify(token["access_token"])

        assert client_scopes(verified) == frozenset({"content:read"})
        assert client_id(verified) == system_id
        assert verified["iss"] == keycloak_server.issuer
        assert API_CLIENT_ID in verified["aud"]
        assert verifier.jwks.healthy
        assert verifier.jwks.fetch_count == 1
    finally:
        admin.delete_client(internal_id)


def test_token_signed_with_published_test_key_verifies(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    """The baseline for the attack suite: the same token shape, honestly signed, passes."""
    verified = verifier.verify(signing_key.sign(claims))
    assert verified["sub"] == claims["sub"]
    assert client_scopes(verified) == frozenset({"content:read", "media:write"})
    assert client_id(verified) == "agency-system-test"


def test_token_within_leeway_verifies(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    now = int(time.time())
    claims.update(exp=now - 10, iat=now - 310, nbf=now + 10)
    assert verifier.verify(signing_key.sign(claims))["sub"] == claims["sub"]


# -- the attack suite ------------------------------------------------------------------------


def test_expired_token_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    now = int(time.time())
    claims.update(iat=now - 3600, exp=now - 600)
    assert _rejected(verifier, signing_key.sign(claims)) == "token_expired"


@pytest.mark.parametrize("field", ["nbf", "iat"])
def test_not_yet_valid_token_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any], field: str
) -> None:
    now = int(time.time())
    claims.update({field: now + 3600, "exp": now + 7200})
    assert _rejected(verifier, signing_key.sign(claims)) == "token_not_yet_valid"


@pytest.mark.parametrize(
    "issuer",
    [
        "{url}/realms/master",
        "{url}/realms/simpul-evil",
        "{url}/realms/simpu",
        "https://attacker.example/realms/simpul",
    ],
)
def test_wrong_issuer_is_rejected(
    keycloak_server: KeycloakServer,
    verifier: TokenVerifier,
    signing_key: SigningKey,
    claims: dict[str, Any],
    issuer: str,
) -> None:
    claims["iss"] = issuer.format(url=keycloak_server.url)
    assert _rejected(verifier, signing_key.sign(claims)) == "token_bad_issuer"


@pytest.mark.parametrize("audience", ["account", ["account", "simpul-portal"], "simpul-ap"])
def test_wrong_audience_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any], audience: Any
) -> None:
    claims["aud"] = audience
    assert _rejected(verifier, signing_key.sign(claims)) == "token_bad_audience"


@pytest.mark.parametrize("missing", ["aud", "exp", "iat", "iss"])
def test_token_without_required_claim_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any], missing: str
) -> None:
    del claims[missing]
    assert _rejected(verifier, signing_key.sign(claims)) == "token_malformed"


def test_alg_none_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    for alg in ("none", "None", "NONE"):
        token = compact({"alg": alg, "typ": "JWT", "kid": signing_key.kid}, claims)
        assert _rejected(verifier, token) == "token_bad_algorithm"
    assert verifier.jwks.fetch_count == 0


def test_hs256_signed_with_realm_public_key_is_rejected(
    verifier: TokenVerifier, realm_jwks: dict[str, Any], claims: dict[str, Any]
) -> None:
    """Key confusion: HMAC keyed with the public key everybody can download."""
    real = next(k for k in realm_jwks["keys"] if k.get("use") == "sig" and k["kty"] == "RSA")
    public_pem = jwt.PyJWK(real).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    der = base64.b64decode(real["x5c"][0])
    for secret in (public_pem, der, json.dumps(real).encode()):
        header = {"alg": "HS256", "typ": "JWT", "kid": real["kid"]}
        unsigned = compact(header, claims).rsplit(".", 1)[0]
        signature = hmac.new(secret, unsigned.encode("ascii"), hashlib.sha256).digest()
        token = f"{unsigned}.{b64url(signature)}"
        assert _rejected(verifier, token) == "token_bad_algorithm"


def test_signature_by_another_key_with_real_kid_is_rejected(
    verifier: TokenVerifier,
    signing_key: SigningKey,
    realm_jwks: dict[str, Any],
    claims: dict[str, Any],
) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    realm_kid = next(
        k["kid"]
        for k in realm_jwks["keys"]
        if k["kid"] != signing_key.kid and k.get("use") == "sig" and k.get("alg") == "RS256"
    )
    for kid in (signing_key.kid, realm_kid):
        token = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": kid})
        assert _rejected(verifier, token) == "token_bad_signature"


def test_tampered_claims_are_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    head, _, signature = signing_key.sign(claims).split(".")
    claims["resource_access"][API_CLIENT_ID]["roles"].append("agency:admin")
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    assert _rejected(verifier, f"{head}.{body}.{signature}") == "token_bad_signature"


def test_algorithm_not_matching_the_key_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    """An allowed algorithm, but not the one the published key is for."""
    ec_key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims, ec_key, algorithm="ES256", headers={"kid": signing_key.kid})
    assert _rejected(verifier, token) == "token_bad_algorithm"
    token = signing_key.sign(claims, alg="PS256")
    assert _rejected(verifier, token) == "token_bad_algorithm"


def test_unknown_kid_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    token = signing_key.sign(claims, kid=f"forged-{uuid.uuid4().hex}")
    assert _rejected(verifier, token) == "token_unknown_key"


def test_missing_kid_and_garbage_are_malformed(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    no_kid = jwt.encode(claims, signing_key.private_key, algorithm="RS256")
    assert _rejected(verifier, no_kid) == "token_malformed"
    for garbage in ("", "abc", "a.b.c", "a.b", "x" * 20000, signing_key.sign(claims) + ".x"):
        assert _rejected(verifier, garbage) == "token_malformed"


def test_non_access_token_type_is_rejected(
    verifier: TokenVerifier, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    claims["typ"] = "ID"
    assert _rejected(verifier, signing_key.sign(claims)) == "token_bad_type"


def _counted_verifier(server: KeycloakServer):
    """(clock, session, cache, verifier): a JWKS cache on a hand-moved clock, fetches counted."""
    clock = FakeClock()
    session = CountingSession()
    cache = JwksCache(server.jwks_url, min_refetch_interval=60.0, clock=clock, session=session)
    verifier = TokenVerifier(issuer=server.issuer, audience=API_CLIENT_ID, jwks=cache)
    return clock, session, cache, verifier


def test_burst_of_unknown_kids_fetches_jwks_at_most_once(
    keycloak_server: KeycloakServer, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    clock, session, cache, verifier = _counted_verifier(keycloak_server)
    verifier.verify(signing_key.sign(claims))
    assert session.responses == 1

    # The refetch budget is available again: a burst of forged kids may use it once.
    clock.advance(61)
    forged = [signing_key.sign(claims, kid=f"forged-{i}-{uuid.uuid4().hex}") for i in range(100)]
    codes: list[str] = []
    codes_lock = threading.Lock()

    def attack(tokens: list[str]) -> None:
        for token in tokens:
            try:
                verifier.verify(token)
            except TokenRejected as exc:
                with codes_lock:
                    codes.append(exc.code)

    threads = [threading.Thread(target=attack, args=(forged[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert codes == ["token_unknown_key"] * 100
    assert session.responses == 2
    assert cache.fetch_count == 2
    # The genuine key keeps working throughout.
    assert verifier.verify(signing_key.sign(claims))["sub"] == claims["sub"]
    assert session.responses == 2


def test_an_unknown_kid_before_the_keys_may_be_fetched_again_says_when(
    keycloak_server: KeycloakServer, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    """A key the IdP may have just rotated to is not the caller's fault until the hub has asked."""
    clock, session, cache, verifier = _counted_verifier(keycloak_server)
    verifier.verify(signing_key.sign(claims))
    clock.advance(20)
    new_kid = signing_key.sign(claims, kid=f"rotated-{uuid.uuid4().hex}")
    with pytest.raises(KeyNotFetchedYet) as waiting:
        verifier.verify(new_kid)
    assert waiting.value.code == "token_unknown_key"
    assert waiting.value.retry_after == pytest.approx(40)
    assert session.responses == 1

    # Once the hub could ask and the IdP does not know the key either, it is unknown.
    clock.advance(41)
    with pytest.raises(TokenRejected) as unknown:
        verifier.verify(new_kid)
    assert type(unknown.value) is TokenRejected and unknown.value.code == "token_unknown_key"
    assert session.responses == 2


# -- pure helpers ----------------------------------------------------------------------------


def test_client_scopes_reads_only_the_api_client_roles() -> None:
    claims = {
        "resource_access": {
            "simpul-api": {"roles": ["content:read", 7, "", "facts:write"]},
            "account": {"roles": ["manage-account"]},
        },
        "realm_access": {"roles": ["agency:admin"]},
    }
    assert client_scopes(claims) == frozenset({"content:read", "facts:write"})
    assert client_scopes(claims, api_client_id="account") == frozenset({"manage-account"})
    assert client_scopes({}) == frozenset()
    assert client_scopes({"resource_access": {"simpul-api": {"roles": "content:read"}}}) == (
        frozenset()
    )
    assert client_scopes({"resource_access": ["simpul-api"]}) == frozenset()


def test_client_id_prefers_azp() -> None:
    assert client_id({"azp": "a", "client_id": "b"}) == "a"
    assert client_id({"client_id": "b"}) == "b"
    assert client_id({"azp": ""}) is None
    assert client_id({}) is None


@pytest.mark.parametrize("algorithms", [("none",), ("HS256",), ("RS256", "HS512"), ()])
def test_verifier_refuses_unsafe_algorithms(algorithms: tuple[str, ...]) -> None:
    cache = JwksCache("http://127.0.0.1:9/certs")
    with pytest.raises(ValueError):
        TokenVerifier(issuer="i", audience="a", jwks=cache, algorithms=algorithms)


# -- the realm the verifier relies on --------------------------------------------------------


def test_hub_service_account_can_provision_but_not_administer_the_realm(
    keycloak_server: KeycloakServer,
) -> None:
    """The simpul-hub roles in the realm file cover provisioning, and no more."""
    admin = keycloak_server.admin()
    slug = f"test-{uuid.uuid4().hex[:8]}"
    api_internal_id = admin.get_client_id(API_CLIENT_ID)
    cleanup: list[tuple[str, str]] = []
    try:
        # API clients: create, rotate the secret, grant and revoke scopes, disable.
        internal_id = admin.create_client(
            {
                "clientId": f"{slug}-system",
                "publicClient": False,
                "serviceAccountsEnabled": True,
                "standardFlowEnabled": False,
            }
        )
        cleanup.append(("client", internal_id))
        old_secret = admin.get_client_secrets(internal_id)["value"]
        admin.generate_client_secrets(internal_id)
        assert admin.get_client_secrets(internal_id)["value"] != old_secret
        service_user = admin.get_client_service_account_user(internal_id)
        roles = [admin.get_client_role(api_internal_id, r) for r in ("content:read", "facts:write")]
        admin.assign_client_role(service_user["id"], api_internal_id, roles)
        admin.delete_client_roles_of_user(service_user["id"], api_internal_id, [roles[1]])
        granted = admin.get_client_roles_of_user(service_user["id"], api_internal_id)
        assert {r["name"] for r in granted} == {"content:read"}
        admin.update_client(internal_id, {"enabled": False})
        assert admin.get_client(internal_id)["enabled"] is False

        # Staff: /agencies/<slug>/<role> groups, users, membership, required actions.
        parent = admin.get_group_by_path("/agencies")["id"]
        agency_gid = admin.create_group({"name": slug}, parent=parent)
        cleanup.append(("group", agency_gid))
        role_gids = {
            role: admin.create_group({"name": role}, parent=agency_gid)
            for role in ("agency_admin", "editor", "verifier", "viewer")
        }
        user_id = admin.create_user(
            {"username": f"{slug}-staff", "email": f"{slug}@example.go.id", "enabled": True}
        )
        cleanup.append(("user", user_id))
        admin.group_user_add(user_id, role_gids["verifier"])
        assert [g["path"] for g in admin.get_user_groups(user_id)] == [f"/agencies/{slug}/verifier"]
        admin.update_user(user_id, {"requiredActions": ["UPDATE_PASSWORD", "VERIFY_EMAIL"]})
        admin.update_user(user_id, {"enabled": False})
        assert admin.get_user(user_id)["enabled"] is False

        # Not a realm administrator: no key providers, no escalation to realm-management roles.
        realm_id = admin.get_realm(keycloak_server.realm)["id"]
        with pytest.raises(KeycloakError) as denied:
            admin.create_component(
                {
                    "name": f"{slug}-key",
                    "providerId": "rsa-generated",
                    "providerType": "org.keycloak.keys.KeyProvider",
                    "parentId": realm_id,
                    "config": {"priority": ["1"]},
                }
            )
        assert denied.value.response_code == 403
        realm_mgmt_id = admin.get_client_id("realm-management")
        manage_realm = admin.get_client_role(realm_mgmt_id, "manage-realm")
        with pytest.raises(KeycloakError) as denied:
            admin.assign_client_role(service_user["id"], realm_mgmt_id, [manage_realm])
        assert denied.value.response_code == 403
    finally:
        for kind, object_id in reversed(cleanup):
            with contextlib.suppress(KeycloakError):
                getattr(admin, f"delete_{kind}")(object_id)


def _like_a_browser(session: requests.Session) -> None:
    """Lets ``session`` send Keycloak's Secure cookies back over http://127.0.0.1.

    Browsers treat loopback as a trustworthy origin and send Secure cookies there; requests
    does not, so the flags are dropped after each response that sets cookies.
    """
    for cookie in session.cookies:
        cookie.secure = False


def test_portal_login_requires_pkce_and_carries_group_paths(
    keycloak_server: KeycloakServer, verifier: TokenVerifier
) -> None:
    """Authorization code flow for staff, end to end: PKCE S256 enforced, groups claim present."""
    admin = keycloak_server.admin()
    slug = f"test-{uuid.uuid4().hex[:8]}"
    password = f"Pw-{uuid.uuid4().hex}"
    parent = admin.get_group_by_path("/agencies")["id"]
    agency_gid = admin.create_group({"name": slug}, parent=parent)
    editor_gid = admin.create_group({"name": "editor"}, parent=agency_gid)
    user_id = admin.create_user(
        {
            "username": f"{slug}-editor",
            "email": f"{slug}-editor@example.go.id",
            "firstName": "Uji",
            "lastName": "Editor",
            "enabled": True,
            "emailVerified": True,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        }
    )
    admin.group_user_add(user_id, editor_gid)
    portal_secret = realm_client_secret("simpul-portal")
    redirect_uri = "http://127.0.0.1:8765/oidc/callback/"
    auth_url = f"{keycloak_server.issuer}/protocol/openid-connect/auth"
    base = {
        "client_id": "simpul-portal",
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect_uri,
    }
    try:
        browser = requests.Session()
        # Without PKCE the request is refused back to the portal.
        refused = browser.get(auth_url, params={**base, "state": "a"}, allow_redirects=False)
        assert refused.status_code == 302
        error = parse_qs(urlparse(refused.headers["Location"]).query)
        assert error["error"] == ["invalid_request"]
        # Plain PKCE is refused too; S256 is the only method.
        plain = browser.get(
            auth_url,
            params={
                **base,
                "state": "b",
                "code_challenge": "x" * 43,
                "code_challenge_method": "plain",
            },
            allow_redirects=False,
        )
        assert plain.status_code == 302
        assert "error=invalid_request" in plain.headers["Location"]

        code_verifier = b64url(uuid.uuid4().bytes + uuid.uuid4().bytes)
        challenge = b64url(hashlib.sha256(code_verifier.encode("ascii")).digest())
        login = browser.get(
            auth_url,
            params={
                **base,
                "state": "c",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            allow_redirects=False,
        )
        assert login.status_code == 200
        _like_a_browser(browser)
        action = html.unescape(re.search(r'action="([^"]+)"', login.text).group(1))
        done = browser.post(
            action,
            data={"username": f"{slug}-editor", "password": password, "credentialId": ""},
            allow_redirects=False,
        )
        assert done.status_code == 302, done.text[:500]
        _like_a_browser(browser)
        location = done.headers["Location"]
        assert location.startswith(redirect_uri)
        code = parse_qs(urlparse(location).query)["code"][0]

        exchange = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": "simpul-portal",
            "client_secret": portal_secret,
        }
        wrong = requests.post(
            keycloak_server.token_url, data={**exchange, "code_verifier": "x" * 43}, timeout=10
        )
        assert wrong.status_code == 400
        assert "PKCE" in wrong.json().get("error_description", ""), wrong.text
        # The honest exchange uses a fresh code from the same SSO session.
        login = browser.get(
            auth_url,
            params={
                **base,
                "state": "d",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            allow_redirects=False,
        )
        assert login.status_code == 302  # the SSO session answers at once
        code = parse_qs(urlparse(login.headers["Location"]).query)["code"][0]
        tokens = requests.post(
            keycloak_server.token_url,
            data={**exchange, "code": code, "code_verifier": code_verifier},
            timeout=10,
        )
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()

        access = verifier.verify(body["access_token"])
        assert access["groups"] == [f"/agencies/{slug}/editor"]
        assert client_id(access) == "simpul-portal"
        assert client_scopes(access) == frozenset()
        id_token = jwt.decode(body["id_token"], options={"verify_signature": False})
        assert id_token["groups"] == [f"/agencies/{slug}/editor"]
        assert id_token["aud"] == "simpul-portal"
        # An ID token is not an access token for the hub.
        assert _rejected(verifier, body["id_token"]) in {"token_bad_audience", "token_bad_type"}
    finally:
        with contextlib.suppress(KeycloakError):
            admin.delete_user(user_id)
        with contextlib.suppress(KeycloakError):
            admin.delete_group(agency_gid)


# -- outage (last: it stops and restarts the shared server) ---------------------------------


def test_cached_keys_survive_keycloak_outage(
    keycloak_server: KeycloakServer, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    clock = FakeClock()
    cache = JwksCache(keycloak_server.jwks_url, clock=clock, timeout=2.0)
    verifier = TokenVerifier(issuer=keycloak_server.issuer, audience=API_CLIENT_ID, jwks=cache)
    token = signing_key.sign(claims)
    verifier.verify(token)
    assert cache.healthy

    keycloak_server.stop()
    try:
        assert not keycloak_server.is_running()
        assert verifier.verify(token)["sub"] == claims["sub"]

        clock.advance(61)
        forged = signing_key.sign(claims, kid=f"forged-{uuid.uuid4().hex}")
        assert _rejected(verifier, forged) == "token_unknown_key"
        assert cache.fetch_count == 2
        assert not cache.healthy
        assert cache.last_error

        # The failed fetch did not throw away the keys already known.
        assert verifier.verify(token)["sub"] == claims["sub"]
        assert verifier.verify(signing_key.sign(claims))["sub"] == claims["sub"]
    finally:
        keycloak_server.start()

    clock.advance(61)
    assert cache.refresh() is True
    assert cache.healthy
    assert verifier.verify(token)["sub"] == claims["sub"]
