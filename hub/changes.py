"""The change feed: one event per change to shared content, gap-free for readers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from hub.errors import ValidationFailed
from hub.models import ChangeEvent

_CURRENT_TXID = "pg_current_xact_id()::text::bigint"


def change_record(
    *,
    entity: str,
    entity_id: object,
    action: str,
    version: int = 1,
    agency_id: int | None = None,
    data: dict | None = None,
) -> ChangeEvent:
    """Record a change event in the caller's transaction; it is visible only if that commits."""
    return ChangeEvent.objects.create(
        txid=RawSQL(_CURRENT_TXID, []),
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        version=version,
        agency_id=agency_id,
        data=data or {},
    )


@dataclass(frozen=True)
class Cursor:
    """A reader's position in the feed: everything at or before it has been read."""

    txid: int = 0
    id: int = 0

    def encode(self) -> str:
        return f"{self.txid}-{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor:
        if not raw:
            return cls()
        try:
            txid, _, event_id = raw.partition("-")
            return cls(int(txid), int(event_id))
        except ValueError:
            raise ValidationFailed(
                "Kursor tidak valid.", "The cursor is not valid.", code="invalid_cursor"
            ) from None


def changes_after(cursor: Cursor, *, limit: int = 100) -> tuple[list[ChangeEvent], Cursor]:
    """Events after `cursor`, oldest first, and the cursor to continue from.

    Only events of transactions older than the oldest still-running transaction
    are returned: any later commit has a larger ``txid`` and therefore lands
    after the returned cursor, never behind it.
    """
    with connection.cursor() as c:
        c.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        (horizon,) = c.fetchone()
    events = list(
        ChangeEvent.objects.extra(
            where=["(txid, id) > (%s, %s)", "txid < %s"],
            params=[cursor.txid, cursor.id, horizon],
        ).order_by("txid", "id")[:limit]
    )
    if events:
        cursor = Cursor(events[-1].txid, events[-1].id)
    return events, cursor
