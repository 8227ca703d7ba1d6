"""Identity settings fail fast, in one line, naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def hub_check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUB_", "DATABASE_URL", "KEYCLOAK_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "hub", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "HUB_ENV": "production",
    "HUB_SECRET_KEY": "x" * 50,
    "HUB_ALLOWED_HOSTS": "simpul.go.id",
    "HUB_PUBLIC_URL": "https://simpul.go.id",
    "DATABASE_URL": "postgresql://nobody@/nothing?host=/nonexistent",
}
KEYCLOAK = {
    "KEYCLOAK_URL": "https://sso.simpul.go.id",
    "KEYCLOAK_CLIENT_SECRET": "hub-secret",
    "KEYCLOAK_PORTAL_CLIENT_SECRET": "portal-secret",
}


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({"KEYCLOAK_CLIENT_SECRET": ""}, "KEYCLOAK_CLIENT_SECRET must be set"),
        ({"KEYCLOAK_PORTAL_CLIENT_SECRET": ""}, "KEYCLOAK_PORTAL_CLIENT_SECRET must be set"),
        ({"KEYCLOAK_URL": "http://sso.simpul.go.id"}, "KEYCLOAK_URL must be an https:// URL"),
        ({"HUB_IDENTITY": "ldap"}, "HUB_IDENTITY='ldap' must be embedded or keycloak"),
        ({"KEYCLOAK_LEEWAY": "lama"}, "KEYCLOAK_LEEWAY='lama' is not an integer"),
    ],
)
def test_insecure_or_incomplete_identity_settings_are_refused(overrides, needle):
    result = hub_check({**PRODUCTION, **KEYCLOAK, **overrides})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert needle in lines[0] and "Traceback" not in result.stderr
