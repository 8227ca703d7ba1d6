"""The append-only, hash-chained audit log: written by every write service."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from hub import request_context
from hub.models import AuditEntry

GENESIS = "0" * 64
# Serialises chain appends: the lock is held until the writing transaction ends.
_CHAIN_LOCK = 0x51_4D_50_55_4C_01
# The next entry's id and the hash it follows (``None`` for the first entry).
_CHAIN_END = (
    "SELECT nextval(pg_get_serial_sequence('hub_auditentry', 'id')),"
    " (SELECT entry_hash FROM hub_auditentry ORDER BY id DESC LIMIT 1)"
)


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder)) if value is not None else None


def _digest(prev_hash: str, fields: dict) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "agency_id": entry.agency_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "ip": entry.ip,
    }


def actor_label(principal) -> tuple[str, int | None]:
    """How an actor is named in the log, and its agency."""
    if principal is None:
        return "system", None
    return principal.label, principal.primary_agency_id


def audit_record(
    *,
    action: str,
    entity: str = "",
    entity_id: object = "",
    before: dict | None = None,
    after: dict | None = None,
    principal=None,
    actor: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain inside the caller's transaction.

    The entry commits or rolls back with the change it describes. The request id
    and client IP come from the current request, if any.
    """
    ctx = request_context.current()
    principal = principal if principal is not None else ctx.principal
    label, agency_id = actor_label(principal)
    # No savepoint: an entry that cannot be written fails the change it describes.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The lock is taken in a statement of its own, so that the next one reads
        # the chain's end as committed by whoever held the lock before.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        cursor.execute(_CHAIN_END)
        next_id, last = cursor.fetchone()
        entry = AuditEntry(
            id=next_id,
            at=timezone.now(),
            actor=actor or label,
            agency_id=agency_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=ctx.request_id,
            ip=ctx.ip,
            prev_hash=last or GENESIS,
        )
        entry.entry_hash = _digest(entry.prev_hash, _fields(entry))
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


def audit_verify() -> Iterator[ChainBreak]:
    """Yield every place where the stored chain does not match its recomputed hashes."""
    prev = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            yield ChainBreak(entry.id, "previous hash does not match the entry before it")
        expected = _digest(entry.prev_hash, _fields(entry))
        if entry.entry_hash != expected:
            yield ChainBreak(entry.id, "content does not match its hash")
        prev = entry.entry_hash
