"""Core records every write leaves behind: the audit log and the change feed."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    """One append-only, hash-chained audit record.

    ``entry_hash`` covers every other column and the previous entry's hash, so
    changing, deleting or reordering a stored entry breaks the chain from that
    entry on; ``python -m hub audit-verify`` names the first broken entry. A
    database trigger refuses UPDATE and DELETE on this table.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="who: user:<id>, system:<client>, cli")
    agency_id = models.BigIntegerField(null=True, blank=True, help_text="the actor's agency")
    action = models.CharField(max_length=100)
    entity = models.CharField(max_length=100, blank=True)
    entity_id = models.CharField(max_length=100, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["entity", "entity_id"], name="audit_entity_idx")]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.entity}:{self.entity_id} by {self.actor}"


class ChangeEvent(models.Model):
    """One change to shared content, written in the same transaction as the change.

    ``txid`` is the writing transaction's id. Readers only see events whose
    transaction is older than every transaction still running and read them in
    ``(txid, id)`` order, so an event committed late by a slow writer can never
    fall behind a reader's cursor.
    """

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"
        PUBLISHED = "published"
        WITHDRAWN = "withdrawn"

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    entity = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    action = models.CharField(max_length=20, choices=Action.choices)
    agency_id = models.BigIntegerField(null=True, blank=True, help_text="owning agency")
    data = models.JSONField(default=dict, blank=True, help_text="public summary, or a tombstone")

    class Meta:
        ordering = ["txid", "id"]
        indexes = [models.Index(fields=["txid", "id"], name="change_position_idx")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.entity_id} {self.action} v{self.version}"


class RateCounter(models.Model):
    """A counter per key and fixed time window, shared by every hub process."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_unique")
        ]
