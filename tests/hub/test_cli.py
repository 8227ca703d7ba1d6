"""The command line: start-up problems end in one clear line and a non-zero exit."""

import os
import socket
import subprocess
import sys

import pytest
from django.db import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_hub(*args, env_overrides=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "DATABASE_URL"))}
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_line_error(result, needle):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.fixture
def database_url(db):
    params = connection.get_connection_params()
    host = params.get("host") or ""
    return f"postgresql://{params.get('user')}@/{params['dbname']}?host={host}"


SECURE = {
    "HUB_ENV": "production",
    "HUB_SECRET_KEY": "x" * 50,
    "HUB_ALLOWED_HOSTS": "simpul.go.id",
    "HUB_PUBLIC_URL": "https://simpul.go.id",
    "HUB_DEBUG": "false",
}


@pytest.mark.parametrize(
    "overrides, needle",
    [
        ({"HUB_SECRET_KEY": ""}, "HUB_SECRET_KEY must be set"),
        ({"HUB_SECRET_KEY": "short"}, "HUB_SECRET_KEY must be set"),
        ({"HUB_DEBUG": "true"}, "HUB_DEBUG must be false"),
        ({"HUB_ALLOWED_HOSTS": ""}, "HUB_ALLOWED_HOSTS must list"),
        ({"HUB_PUBLIC_URL": ""}, "HUB_PUBLIC_URL must be the hub's https:// address"),
        ({"HUB_PUBLIC_URL": "http://simpul.go.id"}, "HUB_PUBLIC_URL must be the hub's https://"),
        ({"HUB_PORT": "eighty"}, "HUB_PORT='eighty' is not an integer"),
        ({"HUB_ENV": "staging"}, "HUB_ENV='staging' must be"),
    ],
)
def test_production_refuses_insecure_configuration(database_url, overrides, needle):
    env = {**SECURE, "DATABASE_URL": database_url, **overrides}
    _one_line_error(run_hub("check", env_overrides=env), needle)


def test_production_requires_a_database_url():
    _one_line_error(run_hub("check", env_overrides=SECURE), "DATABASE_URL must be set")


def test_secure_production_configuration_starts(database_url):
    result = run_hub("check", "--deploy", env_overrides={**SECURE, "DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr


def test_wrong_database_url_is_one_line():
    result = run_hub(
        "migrate", env_overrides={"DATABASE_URL": "postgresql://simpul@127.0.0.1:9/nothing"}
    )
    _one_line_error(result, "cannot connect to the database at 127.0.0.1:9/nothing")
    result = run_hub("migrate", env_overrides={"DATABASE_URL": "mysql://x@localhost/db"})
    _one_line_error(result, "DATABASE_URL must start with postgresql://")


def test_busy_port_is_one_line(database_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_hub(
            "serve",
            "--no-worker",
            env_overrides={"DATABASE_URL": database_url, "HUB_PORT": str(port)},
        )
    _one_line_error(result, f"port {port} on 127.0.0.1 is already in use")
