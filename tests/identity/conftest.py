"""Identity tests: the hub configured for the real Keycloak from deploy/local.

``keycloak`` points the hub's KEYCLOAK_* settings at the session's server; ``jobs``
runs the ``identity`` queue with procrastinate's own worker, in the test's thread
and transaction (the queue lives in the test database, so the worker sees exactly
the jobs and records the test wrote, as a real worker sees what a request
committed); ``make_system`` registers an agency system through the real service and
provisions it, so its secret gets real tokens.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from agencies.identity import verifier as identity_verifier
from agencies.models import Agency, ApiClient
from agencies.services import apiclient_create, membership_create
from tests.conftest import PLATFORM
from tests.support.keycloak import KeycloakServer, realm_client_secret

_seq = itertools.count(1)


@pytest.fixture
def keycloak(keycloak_server: KeycloakServer, settings) -> KeycloakServer:
    """The hub's identity moved to the session's Keycloak for this test."""
    settings.KEYCLOAK_URL = keycloak_server.url
    settings.KEYCLOAK_REALM = keycloak_server.realm
    settings.KEYCLOAK_CLIENT_ID = keycloak_server.hub_client_id
    settings.KEYCLOAK_CLIENT_SECRET = keycloak_server.hub_client_secret
    settings.KEYCLOAK_AUDIENCE = "simpul-api"
    settings.KEYCLOAK_PORTAL_CLIENT_ID = "simpul-portal"
    settings.KEYCLOAK_PORTAL_CLIENT_SECRET = realm_client_secret("simpul-portal")
    identity_verifier.reset()
    yield keycloak_server
    identity_verifier.reset()


class TestConnector(DjangoConnector):
    """The Django connector, with JSON columns decoded as the worker's connector does.

    Django leaves ``jsonb`` values as text for its fields to decode; the worker
    expects them decoded.
    """

    def _dictfetch(self, cursor):
        for row in super()._dictfetch(cursor):
            for key, value in row.items():
                if key == "args" and isinstance(value, str):
                    row[key] = json.loads(value)
            yield row


class Jobs:
    """The ``identity`` queue as the worker sees it."""

    def run(self) -> None:
        """Run every due job with procrastinate's worker until the queue is caught up.

        Without the Django connection clean-up around each job: here the unit of work
        is the test, whose transaction must stay open.
        """

        async def work() -> None:
            await app.run_worker_async(
                queues=["identity"],
                wait=False,
                listen_notify=False,
                install_signal_handlers=False,
                task_middleware=[],
            )

        with app.replace_connector(TestConnector()):
            async_to_sync(work)()

    def rows(self) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, task_name, status, attempts, args FROM procrastinate_jobs"
                " WHERE queue_name = 'identity' ORDER BY id"
            )
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def waiting(self) -> list[dict]:
        return [row for row in self.rows() if row["status"] == "todo"]

    def make_due(self) -> None:
        """Let the backoff of waiting retries elapse (the clock a retry waits for)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE procrastinate_jobs SET scheduled_at = NULL"
                " WHERE queue_name = 'identity' AND status = 'todo'"
            )


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@dataclass
class System:
    """An agency system registered at the hub and provisioned in Keycloak."""

    record: ApiClient
    secret: str
    server: KeycloakServer

    def token(self) -> str:
        """A fresh client-credentials access token from Keycloak."""
        openid = self.server.openid(self.record.oauth_client, self.secret)
        return openid.token(grant_type="client_credentials")["access_token"]


@pytest.fixture
def make_system(keycloak, jobs):
    """make_system(agency, "content:read", …) -> System, provisioned and able to get tokens."""

    def make(agency: Agency, *scopes: str) -> System:
        record, secret = apiclient_create(
            principal=PLATFORM,
            agency=agency,
            name=f"Sistem {next(_seq)}",
            scopes=list(scopes or ("content:read",)),
        )
        jobs.run()
        record.refresh_from_db()
        assert record.sync_state == "synced", record.sync_error
        return System(record=record, secret=secret, server=keycloak)

    return make


def unique(prefix: str) -> str:
    """A name no other test (or earlier run against the same Keycloak) has used."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_person(db):
    """make_person(agency, "editor", …) -> a named staff user with e-mail; roles via the service."""

    def make(agency: Agency | None = None, *roles: str):
        username = unique("staf")
        user = get_user_model().objects.create_user(
            username=username,
            email=f"{username}@example.go.id",
            first_name="Staf",
            last_name="Uji",
        )
        for role in roles:
            membership_create(principal=PLATFORM, agency=agency, user_id=user.pk, role=role)
        return user

    return make
