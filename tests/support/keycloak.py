"""Pytest plugin: a real Keycloak server with the ``simpul`` realm for the test session.

Register it with ``pytest_plugins = ["tests.support.keycloak"]`` (or load it with
``pytest -p tests.support.keycloak``) and request the session-scoped ``keycloak_server``
fixture. The server is started once per test run by ``deploy/local/keycloak.sh`` on 127.0.0.1,
on free ports, with its data in a temporary directory and the realm imported from
``deploy/keycloak/realm.json``; it is stopped when the session ends.

The first run fetches the pinned distribution with Maven and prepares it (about a minute);
later runs reuse it from ``$SIMPUL_CACHE_DIR`` (default ``~/.cache/simpul``). If the server
cannot be fetched or started the fixture raises, so every test that needs Keycloak errors
instead of being skipped.

``SIMPUL_TEST_KEYCLOAK_STATE_DIR`` names a persistent state directory instead of a temporary
one: a server already running there is reused and left running, which makes repeated local runs
start in seconds. Tests must therefore create uniquely named objects.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin, KeycloakOpenID

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "deploy" / "local" / "keycloak.sh"
REALM_FILE = REPO_ROOT / "deploy" / "keycloak" / "realm.json"

REALM = "simpul"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-dev"
HUB_CLIENT_ID = "simpul-hub"
API_CLIENT_ID = "simpul-api"

# Fetching the distribution (Maven) and the first start (which also prepares the shared
# install) are slow on a 2-core box; the script gives up on readiness after
# KEYCLOAK_START_TIMEOUT (180 s) and stops the process. These are backstops for a hung script.
FETCH_TIMEOUT_SECONDS = 20 * 60
START_TIMEOUT_SECONDS = 20 * 60
STOP_TIMEOUT_SECONDS = 90


class KeycloakError(RuntimeError):
    """The Keycloak helper script failed."""


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(exclude: frozenset[int] = frozenset()) -> int:
    """Returns a TCP port on 127.0.0.1 that is free now, below the Linux ephemeral range.

    Staying below 32768 keeps the port from being handed out as the local port of an outgoing
    connection while the server is stopped for an outage test.
    """
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        if port not in exclude and _port_is_free(port):
            return port
    raise KeycloakError("no free TCP port found on 127.0.0.1")


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def realm_client_secret(client_id: str) -> str:
    """The development secret ``deploy/keycloak/realm.json`` sets for ``client_id``."""
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    for client in realm.get("clients", []):
        if client.get("clientId") == client_id and client.get("secret"):
            return client["secret"]
    raise KeycloakError(f"{REALM_FILE} defines no secret for client {client_id!r}")


@dataclass
class KeycloakServer:
    """A running Keycloak with the ``simpul`` realm, as the tests see it."""

    url: str
    realm: str
    admin_user: str
    admin_password: str
    hub_client_id: str
    hub_client_secret: str
    state_dir: Path
    port: int
    management_port: int
    script: Path = field(default=SCRIPT, repr=False)

    @property
    def issuer(self) -> str:
        """The ``iss`` of every token the realm issues."""
        return f"{self.url}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        """The realm's JWKS (certs) endpoint."""
        return f"{self.issuer}/protocol/openid-connect/certs"

    @property
    def token_url(self) -> str:
        """The realm's token endpoint."""
        return f"{self.issuer}/protocol/openid-connect/token"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "keycloak.log"

    def env(self) -> dict[str, str]:
        """Environment for deploy/local/keycloak.sh describing this server."""
        env = dict(os.environ)
        env.update(
            KEYCLOAK_PORT=str(self.port),
            KEYCLOAK_MANAGEMENT_PORT=str(self.management_port),
            KEYCLOAK_ADMIN_USER=self.admin_user,
            KEYCLOAK_ADMIN_PASSWORD=self.admin_password,
        )
        return env

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["bash", str(self.script), *args],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise KeycloakError(
                f"keycloak.sh {' '.join(args)} did not finish within {timeout:.0f} s"
            ) from exc

    def _run_checked(self, *args: str, timeout: float) -> str:
        result = self._run(*args, timeout=timeout)
        if result.returncode != 0:
            raise KeycloakError(
                f"keycloak.sh {' '.join(args)} failed with exit code {result.returncode}:\n"
                f"{_tail(result.stdout + result.stderr)}"
            )
        return result.stdout

    def fetch(self) -> Path:
        """Fetches the pinned distribution if needed; returns the install directory."""
        out = self._run_checked("fetch", timeout=FETCH_TIMEOUT_SECONDS)
        return Path(out.strip().splitlines()[-1])

    def start(self) -> None:
        """Starts (or restarts) the server on the same ports with the same data; waits for it.

        Returns only once the realm's discovery document is served; raises KeycloakError
        otherwise. Calling it while the server runs is harmless.
        """
        self.fetch()
        self._run_checked("start", str(self.state_dir), timeout=START_TIMEOUT_SECONDS)

    def stop(self) -> None:
        """Stops the server; calling it when already stopped is fine."""
        self._run_checked("stop", str(self.state_dir), timeout=STOP_TIMEOUT_SECONDS)

    def is_running(self) -> bool:
        """True when the script sees the server process alive."""
        return self._run("status", str(self.state_dir), timeout=30).returncode == 0

    def admin(self) -> KeycloakAdmin:
        """An admin client for the realm, authenticated as the simpul-hub service account.

        It holds exactly the realm-management roles the realm file grants the hub, so tests
        using it also check that those roles suffice.
        """
        return KeycloakAdmin(
            server_url=self.url,
            realm_name=self.realm,
            user_realm_name=self.realm,
            client_id=self.hub_client_id,
            client_secret_key=self.hub_client_secret,
        )

    def master_admin(self) -> KeycloakAdmin:
        """An all-powerful admin client (bootstrap admin of the master realm) acting on the realm.

        For test set-up the hub itself may not do, such as adding key providers.
        """
        return KeycloakAdmin(
            server_url=self.url,
            username=self.admin_user,
            password=self.admin_password,
            realm_name=self.realm,
            user_realm_name="master",
        )

    def openid(self, client_id: str, client_secret: str | None = None) -> KeycloakOpenID:
        """An OIDC client of the realm (token, refresh, introspection, userinfo)."""
        return KeycloakOpenID(
            server_url=self.url,
            realm_name=self.realm,
            client_id=client_id,
            client_secret_key=client_secret,
        )


def _saved_ports(state_dir: Path) -> tuple[int, int] | None:
    env_file = state_dir / "keycloak.env"
    if not env_file.is_file():
        return None
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    try:
        return int(values["KEYCLOAK_PORT"]), int(values["KEYCLOAK_MANAGEMENT_PORT"])
    except (KeyError, ValueError):
        return None


def make_server(state_dir: Path) -> KeycloakServer:
    """A KeycloakServer description for ``state_dir``: its saved ports, or fresh free ones."""
    ports = _saved_ports(state_dir)
    if ports is None:
        http_port = free_port()
        ports = (http_port, free_port(frozenset({http_port})))
    return KeycloakServer(
        url=f"http://127.0.0.1:{ports[0]}",
        realm=REALM,
        admin_user=ADMIN_USER,
        admin_password=ADMIN_PASSWORD,
        hub_client_id=HUB_CLIENT_ID,
        hub_client_secret=realm_client_secret(HUB_CLIENT_ID),
        state_dir=state_dir,
        port=ports[0],
        management_port=ports[1],
    )


@pytest.fixture(scope="session")
def keycloak_server(tmp_path_factory: pytest.TempPathFactory):
    """A real Keycloak with the ``simpul`` realm, started once per test session."""
    persistent = os.environ.get("SIMPUL_TEST_KEYCLOAK_STATE_DIR")
    if persistent:
        state_dir = Path(persistent).resolve()
        state_dir.mkdir(parents=True, exist_ok=True)
    else:
        state_dir = tmp_path_factory.mktemp("keycloak")
    server = make_server(state_dir)
    was_running = bool(persistent) and server.is_running()
    try:
        server.start()
    except BaseException:
        # The script stops a server that failed to come up; this also covers an interrupted
        # start. The original error is the one to report.
        with contextlib.suppress(KeycloakError):
            server.stop()
        raise
    try:
        yield server
    finally:
        if not was_running:
            server.stop()
