"""The process-wide verifier of Keycloak access tokens (one JWKS cache per process).

Every web thread shares one :class:`~agencies.tokens.JwksCache`, so an unknown ``kid``
costs at most one JWKS fetch per ``KEYCLOAK_JWKS_REFETCH_INTERVAL`` for the whole
process, and keys already fetched keep verifying while Keycloak is unreachable.
"""

from __future__ import annotations

import os
import threading

from django.conf import settings

from agencies.identity import keycloak_enabled, realm_issuer
from agencies.tokens import JwksCache, TokenVerifier

_lock = threading.Lock()
_current: tuple[tuple, TokenVerifier] | None = None


def _config() -> tuple:
    return (
        settings.KEYCLOAK_URL,
        settings.KEYCLOAK_REALM,
        settings.KEYCLOAK_AUDIENCE,
        settings.KEYCLOAK_JWKS_REFETCH_INTERVAL,
        settings.KEYCLOAK_LEEWAY,
        settings.KEYCLOAK_TIMEOUT,
    )


def token_verifier() -> TokenVerifier:
    """The verifier for the configured realm; rebuilt only when the settings change."""
    global _current
    config = _config()
    with _lock:
        if _current is None or _current[0] != config:
            issuer = realm_issuer()
            jwks = JwksCache(
                f"{issuer}/protocol/openid-connect/certs",
                min_refetch_interval=settings.KEYCLOAK_JWKS_REFETCH_INTERVAL,
                timeout=settings.KEYCLOAK_TIMEOUT,
            )
            verifier = TokenVerifier(
                issuer=issuer,
                audience=settings.KEYCLOAK_AUDIENCE,
                jwks=jwks,
                leeway=settings.KEYCLOAK_LEEWAY,
            )
            _current = (config, verifier)
        return _current[1]


def reset() -> None:
    """Forget the cached verifier and its keys (the next request fetches them anew)."""
    global _current
    with _lock:
        _current = None


def _forget_in_child() -> None:
    """A forked child fetches keys over connections of its own, not its parent's."""
    global _current, _lock
    _current, _lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def check_identity() -> tuple[str, str]:
    """Readiness of identity: ``embedded``, or Keycloak's JWKS reachable (``ok``) or not.

    Unreachable Keycloak is ``degraded``, never ``down``: keys already cached keep
    verifying tokens. The probe obeys the JWKS cache's refetch limit, so frequent
    readiness checks cannot hammer Keycloak.
    """
    if not keycloak_enabled():
        return "ok", "embedded: Django accounts and hub API keys"
    jwks = token_verifier().jwks
    healthy = jwks.refresh()
    keys = len(jwks.kids())
    if healthy:
        return "ok", f"keycloak {realm_issuer()}: {keys} signing keys"
    return "degraded", f"keycloak unreachable, {keys} cached signing keys: {jwks.last_error}"
