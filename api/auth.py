"""Authentication: every request resolves to a Principal from agencies.policy.

* ``Authorization: Bearer smpl_…`` — a hub API key (agency system, embedded default);
* a Django session (staff signed in to the admin or portal), with CSRF checks.

Repeated failures from one address are refused with 429 and ``Retry-After``
before any credential is checked; every failure is written to the audit log.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import authentication

from agencies import policy
from agencies.services import apikey_authenticate
from hub import ratelimit, request_context
from hub.audit import audit_record
from hub.errors import AuthenticationFailed, NotFound, RateLimited


def anonymous() -> policy.Principal:
    return policy.ANONYMOUS


def _source_key(request) -> str:
    return f"authfail:{request_context.client_ip(request) or 'unknown'}"


def refuse_if_rate_limited(request) -> None:
    """429 when this source has failed authentication too often in the current window."""
    failures, remaining = ratelimit.count(_source_key(request), settings.HUB_AUTH_FAILURE_WINDOW)
    if failures >= settings.HUB_AUTH_FAILURE_LIMIT:
        raise RateLimited(headers={"Retry-After": str(max(remaining, 1))})


def record_failure(request, *, method: str, reason: str, credential: str = "") -> None:
    """Audit one authentication failure and count it against its source."""
    ratelimit.hit(_source_key(request), settings.HUB_AUTH_FAILURE_WINDOW)
    audit_record(
        action="auth.failure",
        entity="credential",
        entity_id=credential[:40],
        after={"method": method, "reason": reason, "path": request.path},
        actor="anonymous",
    )


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Agency systems calling with a hub API key."""

    keyword = "Bearer"

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None or not token.startswith("smpl_"):
            return None
        refuse_if_rate_limited(request)
        try:
            key = apikey_authenticate(token)
        except NotFound:
            record_failure(request, method="api_key", reason="invalid", credential=token[:14])
            raise AuthenticationFailed(code="invalid_api_key") from None
        principal = policy.principal_for_system(
            agency_id=key.agency_id, scopes=key.scopes, client_id=f"key:{key.prefix}"
        )
        request_context.set_principal(principal)
        return principal, key

    def authenticate_header(self, request):
        return 'Bearer realm="simpul"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Staff signed in through the web (admin, portal): session cookie plus CSRF."""

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if not user or not user.is_active:
            return None
        self.enforce_csrf(request)
        principal = policy.principal_for_user(user)
        request_context.set_principal(principal)
        return principal, None
