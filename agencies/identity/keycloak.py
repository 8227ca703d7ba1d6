"""The Keycloak admin API client the hub provisions with (python-keycloak).

The hub authenticates as its own confidential client (``KEYCLOAK_CLIENT_ID``, a
service account holding only the realm-management roles provisioning needs). A
fresh client per job or command run: nothing is shared between threads, and a
Keycloak restart never leaves a stale admin token behind.
"""

from __future__ import annotations

from django.conf import settings
from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

__all__ = ["KeycloakError", "admin_client", "describe_error", "is_not_found"]


def admin_client() -> KeycloakAdmin:
    """An admin API client for the configured realm; connects on first use."""
    return KeycloakAdmin(
        server_url=settings.KEYCLOAK_URL,
        realm_name=settings.KEYCLOAK_REALM,
        user_realm_name=settings.KEYCLOAK_REALM,
        client_id=settings.KEYCLOAK_CLIENT_ID,
        client_secret_key=settings.KEYCLOAK_CLIENT_SECRET,
        timeout=settings.KEYCLOAK_TIMEOUT,
    )


def is_not_found(exc: Exception) -> bool:
    return isinstance(exc, KeycloakError) and exc.response_code == 404


def describe_error(exc: BaseException) -> str:
    """One line for ``sync_error`` and the audit log: what failed, without a traceback."""
    if isinstance(exc, KeycloakError):
        code = f"HTTP {exc.response_code}: " if exc.response_code else ""
        message = exc.error_message
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        text = f"Keycloak {code}{message}"
        if exc.__cause__ is not None:
            text += f" ({type(exc.__cause__).__name__})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(str(text).split())[:500]
