"""Shared fixtures: the real PostgreSQL test database with regions, agencies, people, clients.

Data is set up through the real service functions, so tests exercise the same
paths as the API. Object storage and Keycloak come from deploy/local (see
tests/support), started once per run, never faked.
"""

from __future__ import annotations

import itertools

import orjson
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from agencies import policy
from agencies.models import Agency, Membership
from agencies.services import agency_create, apikey_create

pytest_plugins = ["tests.support.seaweedfs", "tests.support.keycloak"]

PLATFORM = policy.Principal(kind="user", label="test", is_platform_admin=True)
_seq = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated, with the official regions loaded once per run."""
    from agencies.regions import regions_load

    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture(autouse=True)
def _empty_job_queue_after_transactional_tests(request, django_db_blocker):
    """Jobs a transactional test committed do not reach the next test.

    Its closing flush empties the tables Django manages; procrastinate's are
    not among them.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers,"
            " procrastinate_workers CASCADE"
        )


# Data migrations that seed reference rows (each is idempotent).
SEEDING_MIGRATIONS = [
    "agencies.contacts.migrations.0002_seed_short_codes",
    "hub.facts.migrations.0003_seed_verdicts",
]


@pytest.fixture
def reference_data(db):
    """The regions and the rows migrations seed, also in transactional tests.

    A transactional test ends by emptying every table; the next one gets the
    reference data back from here.
    """
    import importlib

    from django.apps import apps

    from agencies.models import Region
    from agencies.regions import regions_load

    if not Region.objects.exists():
        regions_load()
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def make_agency(db):
    """Create an agency through the real service: make_agency("bpbd-x", type=..., region=...)."""

    def make(slug: str | None = None, **data) -> Agency:
        slug = slug or f"agency-{next(_seq)}"
        data.setdefault("name", f"Instansi {slug}")
        data.setdefault("type", "lpnk")
        return agency_create(principal=PLATFORM, data={"slug": slug, **data})

    return make


@pytest.fixture
def make_user(db):
    """Create a staff user, optionally with roles: make_user(agency, "editor", "verifier")."""

    def make(agency: Agency | None = None, *roles: str, superuser: bool = False):
        n = next(_seq)
        user = get_user_model().objects.create_user(
            username=f"user{n}",
            email=f"user{n}@example.go.id",
            password="test-password-123",
            is_superuser=superuser,
            is_staff=superuser,
        )
        for role in roles:
            Membership.objects.create(user=user, agency=agency, role=role)
        return user

    return make


@pytest.fixture
def make_key(db):
    """Issue a real API key: make_key(agency, "content:read") -> secret."""

    def make(agency: Agency, *scopes: str) -> str:
        _, secret = apikey_create(
            principal=PLATFORM,
            agency=agency,
            name=f"system {next(_seq)}",
            scopes=list(scopes or ("content:read",)),
        )
        return secret

    return make


class Api:
    """A REST + GraphQL caller acting as one principal (user session, API key, or nobody)."""

    def __init__(self, *, user=None, key: str | None = None, lang: str | None = None):
        self.client = APIClient()
        if user is not None:
            self.client.force_login(user)
        if key is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        self.headers = {"HTTP_ACCEPT_LANGUAGE": lang} if lang else {}

    def _call(self, method: str, path: str, data=None, **headers):
        kwargs = {**self.headers, **headers}
        if data is not None:
            kwargs["data"] = orjson.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **headers):
        return self._call("get", path, **headers)

    def post(self, path, data=None, **headers):
        return self._call("post", path, data, **headers)

    def patch(self, path, data=None, **headers):
        return self._call("patch", path, data, **headers)

    def delete(self, path, **headers):
        return self._call("delete", path, **headers)

    def gql(self, query: str, variables: dict | None = None, *, status: int = 200) -> dict:
        """Run a GraphQL operation; invalid documents (depth, cost, syntax) answer 400."""
        response = self._call("post", "/graphql", {"query": query, "variables": variables or {}})
        assert response.status_code == status, response.content
        return response.json()


@pytest.fixture
def api():
    """api(user=...) / api(key=...) / api() for anonymous."""
    return Api


@pytest.fixture
def served(tmp_path):
    """served(**settings) -> base URL of `hub serve` (gunicorn) on the test database.

    Needs ``django_db(transaction=True)``: the served hub reads committed rows.
    ``served.log(base)`` is what that hub logged.
    """
    from tests.support.served import ServedHubs

    hubs = ServedHubs(tmp_path / "served")
    yield hubs
    hubs.stop_all()
