"""Failed sign-ins of every kind, counted per caller address: one limit, one audit trail.

API keys, Keycloak tokens, the SSO callback and the admin's password form all
record their failures here and ask here before checking a credential: past
``HUB_AUTH_FAILURE_LIMIT`` failures from one address within
``HUB_AUTH_FAILURE_WINDOW`` seconds, that address is refused (429) until the
window ends, whichever way it tries next.
"""

from __future__ import annotations

from django.conf import settings

from hub import ratelimit, request_context
from hub.audit import audit_record


def _source_key(request) -> str:
    return f"authfail:{request_context.client_ip(request) or 'unknown'}"


def retry_after(request) -> int | None:
    """Seconds until this caller's address may try again; None when it may now."""
    failures, remaining = ratelimit.count(_source_key(request), settings.HUB_AUTH_FAILURE_WINDOW)
    if failures >= settings.HUB_AUTH_FAILURE_LIMIT:
        return max(remaining, 1)
    return None


def record(request, *, method: str, reason: str, credential: str = "") -> None:
    """Audit one failed sign-in and count it against the caller's address."""
    ratelimit.hit(_source_key(request), settings.HUB_AUTH_FAILURE_WINDOW)
    audit_record(
        action="auth.failure",
        entity="credential",
        entity_id=credential[:40],
        after={"method": method, "reason": reason, "path": request.path},
        actor="anonymous",
    )
