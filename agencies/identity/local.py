"""The development Keycloak from ``deploy/local`` for ``python -m hub up`` (HUB_IDENTITY=keycloak).

Starts ``deploy/local/keycloak.sh`` with its state under the data directory, points
this process (settings) and its children (environment: the worker, gunicorn) at it
with the development credentials of ``deploy/keycloak/realm.json``, and stops it
when the hub stops. Never used in production, where ``KEYCLOAK_URL`` names the
real server.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from agencies.identity import verifier

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "deploy" / "local" / "keycloak.sh"
REALM_FILE = REPO_ROOT / "deploy" / "keycloak" / "realm.json"


class LocalKeycloakError(RuntimeError):
    """The local Keycloak could not be started."""


def _realm_secret(client_id: str) -> str:
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    for client in realm.get("clients", []):
        if client.get("clientId") == client_id and client.get("secret"):
            return client["secret"]
    raise LocalKeycloakError(f"{REALM_FILE} has no development secret for {client_id}")


def local_settings(url: str) -> dict[str, str]:
    """The KEYCLOAK_* values for the local server at `url` and the development realm."""
    return {
        "KEYCLOAK_URL": url,
        "KEYCLOAK_REALM": "simpul",
        "KEYCLOAK_CLIENT_ID": "simpul-hub",
        "KEYCLOAK_CLIENT_SECRET": _realm_secret("simpul-hub"),
        "KEYCLOAK_PORTAL_CLIENT_ID": "simpul-portal",
        "KEYCLOAK_PORTAL_CLIENT_SECRET": _realm_secret("simpul-portal"),
    }


@contextmanager
def local_keycloak(state_dir: Path) -> Iterator[dict[str, str]]:
    """Run the development Keycloak for the duration of the block; yields its settings."""
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(state_dir)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        tail = (started.stderr or started.stdout).strip().splitlines()[-1:] or ["no output"]
        raise LocalKeycloakError(f"deploy/local/keycloak.sh start failed: {tail[0]}")
    values = local_settings(started.stdout.strip().splitlines()[-1])
    os.environ.update(values)
    for name, value in values.items():
        setattr(settings, name, value)
    verifier.reset()
    try:
        yield values
    finally:
        subprocess.run(
            ["bash", str(SCRIPT), "stop", str(state_dir)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )


def demo_sign_in(usernames: list[str], password: str) -> int:
    """Let provisioned demo staff sign in with SSO using the demo password.

    Development realm only: sets the password and skips the invitation's required
    actions. Returns how many accounts were prepared.
    """
    from agencies.identity.keycloak import admin_client
    from agencies.models import StaffIdentity

    kc = admin_client()
    prepared = 0
    links = StaffIdentity.objects.filter(user__username__in=usernames).values_list(
        "subject", flat=True
    )
    for subject in links:
        kc.set_user_password(subject, password, temporary=False)
        kc.update_user(subject, {"requiredActions": [], "emailVerified": True})
        prepared += 1
    return prepared
