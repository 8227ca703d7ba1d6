"""Authentication: every request resolves to a Principal from agencies.policy.

* ``Authorization: Bearer <JWT>`` — a Keycloak client-credentials token of an agency
  system (only when Keycloak is configured);
* ``Authorization: Bearer smpl_…`` — a hub API key (agency system, embedded default);
* a Django session (staff signed in to the admin or portal), with CSRF checks.

Repeated failures from one address are refused with 429 and ``Retry-After``
before any credential is checked; every failure is written to the audit log.
"""

from __future__ import annotations

import math

import jwt
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies import policy
from agencies.identity import keycloak_enabled
from agencies.identity.systems import system_authenticate
from agencies.identity.verifier import token_verifier
from agencies.services import apikey_authenticate
from agencies.tokens import KeyNotFetchedYet, TokenRejected, client_id
from api.errors import csrf_refused
from hub import auth_failures, request_context
from hub.errors import (
    AuthenticationFailed,
    HubError,
    NotFound,
    RateLimited,
    ServiceUnavailable,
)


def anonymous() -> policy.Principal:
    return policy.ANONYMOUS


def refuse_if_rate_limited(request) -> None:
    """429 when this source has failed authentication too often in the current window."""
    wait = auth_failures.retry_after(request)
    if wait is not None:
        raise RateLimited(headers={"Retry-After": str(wait)})


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def key_principal(request, token: str):
    """The principal and key of a hub API key; RateLimited or NotFound when refused."""
    refuse_if_rate_limited(request)
    key = apikey_authenticate(token)
    principal = policy.principal_for_system(
        agency_id=key.agency_id, scopes=key.scopes, client_id=f"key:{key.prefix}"
    )
    return principal, key


def token_principal(request, token: str):
    """The API client and principal of a Keycloak JWT; RateLimited or TokenRejected."""
    refuse_if_rate_limited(request)
    return system_authenticate(token)


def accepted_principal(request) -> policy.Principal | None:
    """Who the authenticators below resolve a request without a session to.

    None where one of them would refuse the credential: the refusal, its audit
    entry and its count against the caller are theirs to give. Used by the read
    lane (:mod:`api.lane`), which hands every such request to the full cycle.
    """
    token = bearer_token(request)
    try:
        if token is not None and token.startswith("smpl_"):
            return key_principal(request, token)[0]
        if token and keycloak_enabled():
            return token_principal(request, token)[1]
    except (HubError, TokenRejected):
        return None
    return policy.ANONYMOUS  # no credential any authenticator takes


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Agency systems calling with a hub API key."""

    keyword = "Bearer"

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None or not token.startswith("smpl_"):
            return None
        try:
            principal, key = key_principal(request, token)
        except NotFound:
            auth_failures.record(request, method="api_key", reason="invalid", credential=token[:14])
            raise AuthenticationFailed(code="invalid_api_key") from None
        request_context.set_principal(principal)
        return principal, key

    def authenticate_header(self, request):
        return 'Bearer realm="simpul"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Staff signed in through the web (admin, portal): session cookie plus CSRF."""

    def authenticate(self, request):
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None  # no session to look up (agency systems, anonymous readers)
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        self.enforce_csrf(request)
        principal = policy.principal_for_user(user)
        request_context.set_principal(principal)
        return principal, None

    def enforce_csrf(self, request):
        """Writes of a signed-in browser carry the CSRF token (the ``X-CSRFToken`` header
        or the form's field); without it they answer 403 ``csrf_failed``, as forms do."""
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise csrf_refused() from None


def _unverified_client(token: str) -> str:
    """The client a token claims to be from, for the audit log only (never trusted)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    name = client_id(claims) if isinstance(claims, dict) else None
    return f"jwt:{name}" if name else "jwt"


def _identity_unavailable(retry_after: int) -> ServiceUnavailable:
    return ServiceUnavailable(
        "Layanan identitas tidak tersedia. Coba lagi nanti.",
        "The identity service is unavailable. Try again later.",
        code="identity_unavailable",
        headers={"Retry-After": str(retry_after)},
    )


class KeycloakTokenAuthentication(authentication.BaseAuthentication):
    """Agency systems calling with a Keycloak client-credentials JWT (when Keycloak is set).

    The token is verified against the realm's keys (cached per process), then its
    client must be a live API client of an active agency, checked on every request.
    Every refusal is audited with its reason and counts against the caller's
    address, like a wrong API key.
    """

    def authenticate(self, request):
        if not keycloak_enabled():
            return None
        token = bearer_token(request)
        if not token or token.startswith("smpl_"):
            return None
        try:
            record, principal = token_principal(request, token)
        except KeyNotFetchedYet as exc:
            # A key Keycloak may have just rotated to, and the keys cannot be fetched
            # again yet: the caller is not at fault, and the failure is not counted.
            raise _identity_unavailable(max(math.ceil(exc.retry_after), 1)) from None
        except TokenRejected as exc:
            if exc.code == "token_unknown_key" and not token_verifier().jwks.kids():
                # No key was ever fetched: Keycloak is unreachable, the caller is not at fault.
                raise _identity_unavailable(30) from None
            auth_failures.record(
                request, method="jwt", reason=exc.code, credential=_unverified_client(token)
            )
            raise AuthenticationFailed(
                "Token akses tidak valid.",
                "The access token is not valid.",
                code="invalid_token",
                extra={"reason": exc.code},
            ) from None
        request_context.set_principal(principal)
        return principal, record

    def authenticate_header(self, request):
        return 'Bearer realm="simpul"'


class KeycloakTokenScheme(OpenApiAuthenticationExtension):
    """The same ``bearer`` scheme as hub API keys: one header, two kinds of token.

    The API key's scheme (``api.schema``) defines and lists it once for both.
    """

    target_class = "api.auth.KeycloakTokenAuthentication"
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return []

    def get_security_definition(self, auto_schema):
        return []
