"""Identity with Keycloak, inside the agencies app.

Without ``KEYCLOAK_URL`` the hub keeps its embedded identity (Django accounts and
hub API keys) and nothing here talks to a network. With it:

* ``verifier``     — the process-wide JWT verifier for agency systems' tokens;
* ``systems``      — maps a verified token to the agency system's principal;
* ``keycloak``     — the admin API client (python-keycloak) the hub provisions with;
* ``provisioning`` — applies the hub's agencies, staff and API clients to the realm;
* ``oidc``         — staff sign-in (authorization code + PKCE) and sign-out;
* ``local``        — the development Keycloak from ``deploy/local`` for ``python -m hub up``.
"""

from __future__ import annotations

from django.conf import settings


def keycloak_enabled() -> bool:
    """True when the hub's identity lives in Keycloak (``KEYCLOAK_URL`` is set)."""
    return bool(settings.KEYCLOAK_URL)


def realm_issuer() -> str:
    """The ``iss`` of every token the configured realm issues."""
    return f"{settings.KEYCLOAK_URL}/realms/{settings.KEYCLOAK_REALM}"
