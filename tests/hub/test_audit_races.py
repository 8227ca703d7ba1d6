"""The audit chain stays one chain when audited writes run at the same time."""

import pytest
from django.core.management import call_command

from hub.audit import audit_record
from hub.models import AuditEntry
from tests.support.concurrency import Held, started, wait_until_blocked

pytestmark = pytest.mark.django_db(transaction=True)


def _append(name: str):
    return lambda: audit_record(action=f"race.{name}", entity="thing", entity_id=name)


def test_a_write_waiting_for_the_chain_links_to_the_entry_committed_before_it(capsys):
    base = _append("base")()
    with Held(_append("first")) as first:
        second = started(_append("second"))
        wait_until_blocked(also=second)  # behind the chain's lock
        first_entry = first.release()
        second_entry = second.result(30)

    assert first_entry.prev_hash == base.entry_hash
    assert second_entry.prev_hash == first_entry.entry_hash
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_an_entry_rolled_back_with_its_write_leaves_no_hole_in_the_chain(capsys):
    base = _append("base")()
    with Held(_append("undone"), rollback=True) as undone:
        second = started(_append("second"))
        wait_until_blocked(also=second)
        undone.release()
        second_entry = second.result(30)

    assert second_entry.prev_hash == base.entry_hash
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["race.base", "race.second"]
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
