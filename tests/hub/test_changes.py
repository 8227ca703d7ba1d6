"""The change feed never lets a reader miss an event committed out of order."""

import psycopg
import pytest

from hub.changes import Cursor, change_record, changes_after
from hub.errors import ValidationFailed
from tests.support.served import database_conninfo

pytestmark = pytest.mark.django_db(transaction=True)


INSERT = (
    "INSERT INTO hub_changeevent (txid, at, entity, entity_id, version, action, data)"
    " VALUES (pg_current_xact_id()::text::bigint, now(), 'thing', %s, 1, 'created', '{}')"
)


def test_event_committed_late_by_an_older_transaction_is_not_skipped():
    slow = psycopg.connect(database_conninfo())
    fast = psycopg.connect(database_conninfo(), autocommit=True)
    try:
        # The slow writer starts first and holds its transaction open.
        slow.execute(INSERT, ["slow"])
        # A later writer commits while the slow one is still running.
        fast.execute(INSERT, ["fast"])
        events, cursor = changes_after(Cursor())
        # Neither is visible yet: the fast one sits behind the open slow transaction.
        assert [e.entity_id for e in events] == []
        slow.commit()
        events, cursor = changes_after(cursor)
        assert [e.entity_id for e in events] == ["slow", "fast"]
        events, cursor = changes_after(cursor)
        assert events == []
    finally:
        slow.close()
        fast.close()


def test_rolled_back_changes_never_appear():
    conn = psycopg.connect(database_conninfo())
    try:
        conn.execute(INSERT, ["ghost"])
        conn.rollback()
    finally:
        conn.close()
    change_record(entity="thing", entity_id="real", action="created")
    events, _ = changes_after(Cursor())
    assert [e.entity_id for e in events] == ["real"]


def test_cursor_round_trip_and_garbage():
    assert Cursor.decode(Cursor(12, 34).encode()) == Cursor(12, 34)
    with pytest.raises(ValidationFailed):
        Cursor.decode("twelve")
