"""The audit log: append-only in the database, hash-chained, verifiable from the CLI."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from hub.audit import audit_record, audit_verify
from hub.models import AuditEntry

pytestmark = pytest.mark.django_db


def _entries():
    return [
        audit_record(action="test.write", entity="thing", entity_id=i, after={"n": i})
        for i in range(4)
    ]


def test_chain_links_every_entry_to_the_previous_one():
    entries = _entries()
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
    assert list(audit_verify()) == []


def test_database_refuses_updates_and_deletes():
    entry = _entries()[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="someone else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_tampering_with_one_entry_is_named_by_the_verify_command(capsys):
    entries = _entries()
    victim = entries[2]
    with connection.cursor() as cursor:
        # Someone with direct database access bypasses the trigger.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE hub_auditentry SET after = %s WHERE id = %s", ['{"n": 999}', victim.pk]
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert f"audit entry #{victim.pk}: content does not match its hash" in err
    assert f"#{entries[1].pk}" not in err and f"#{entries[3].pk}:" not in err


def test_deleting_an_entry_breaks_the_chain_after_it():
    entries = _entries()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM hub_auditentry WHERE id = %s", [entries[1].pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    breaks = list(audit_verify())
    assert [b.entry_id for b in breaks] == [entries[2].pk]


def test_intact_chain_verifies(capsys):
    _entries()
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
