"""The hub's PostgreSQL backend: a health check without a round trip, prepared reads."""

from __future__ import annotations

import datetime
import select

import pytest
from django.db import connection, connections

from agencies.models import Agency
from api.plans import CompiledQuery
from hub.db import django_database
from hub.env import ConfigurationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection():
    """A second, persistent connection to the test database, outside any transaction."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_healthy_idle_connection_is_usable_without_a_round_trip(own_connection):
    own_connection.connection.execute("SELECT 'last statement before the check'")
    pid = own_connection.connection.info.backend_pid

    assert own_connection.is_usable()
    # The server saw nothing after the last statement: no SELECT 1 was sent.
    assert _last_statement(pid) == "SELECT 'last statement before the check'"


def test_a_connection_the_server_closed_is_not_usable(own_connection):
    pid = own_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    # The server's notice (or end-of-file) arrives on the socket.
    socket = own_connection.connection.pgconn.socket
    assert select.select([socket], [], [], 30)[0]

    assert not own_connection.is_usable()
    own_connection.close_if_unusable_or_obsolete()  # what every request starts with
    # The request's first statement runs on a fresh connection instead of failing.
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_something_waiting_on_the_socket_falls_back_to_the_round_trip(own_connection):
    own_connection.connection.execute("LISTEN simpul_probe")
    notifier = connections.create_connection("default")
    try:
        notifier.ensure_connection()  # autocommit: the notification is sent at once
        notifier.connection.execute("SELECT pg_notify('simpul_probe', 'hello')")
    finally:
        notifier.close()
    socket = own_connection.connection.pgconn.socket
    assert select.select([socket], [], [], 30)[0]

    assert own_connection.is_usable()  # a notification is harmless
    assert _last_statement(own_connection.connection.info.backend_pid) == "SELECT 1"


def test_repeated_compiled_reads_are_prepared_on_the_server(make_agency):
    make_agency("prepared-a", name="Prepared A", region="35")
    compiled = CompiledQuery.of(
        Agency.objects.filter(slug="prepared-a").values("slug", "created_at", "identifiers")
    )
    assert "'prepared-a'" in compiled.sql  # the values are rendered into the statement once

    first = compiled.rows()
    for _ in range(6):
        assert compiled.rows() == first
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert compiled.sql in prepared


def test_compiled_reads_convert_values_exactly_like_the_orm(make_agency):
    agency = make_agency("converted", name="Dikonversi", region="35")
    big = 2**70  # beyond 64 bits: the fast JSON decoder hands it to the standard one
    identifiers = [{"scheme": "kode", "value": "Ünïcode ✓"}, {"scheme": "n", "value": big}]
    Agency.objects.filter(pk=agency.pk).update(identifiers=identifiers)
    queryset = Agency.objects.filter(pk=agency.pk).values(
        "slug", "created_at", "updated_at", "identifiers", "official_domains"
    )

    (row,) = CompiledQuery.of(queryset).rows()
    assert row == next(iter(queryset))
    assert row["identifiers"][1]["value"] == big
    assert row["created_at"].tzinfo is datetime.UTC


@pytest.mark.parametrize(
    ("url", "threshold"),
    [
        ("postgresql://u@db/simpul", 5),
        ("postgresql://u@db/simpul?prepare_threshold=2", 2),
        ("postgresql://u@db/simpul?prepare_threshold=off", None),
    ],
)
def test_the_prepare_threshold_comes_from_the_url(url, threshold):
    assert django_database(url)["OPTIONS"]["prepare_threshold"] == threshold
    assert django_database(url)["ENGINE"] == "hub.postgresql"


def test_a_wrong_prepare_threshold_is_named():
    with pytest.raises(ConfigurationError, match="prepare_threshold"):
        django_database("postgresql://u@db/simpul?prepare_threshold=often")
