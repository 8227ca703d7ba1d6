"""Edit counters for optimistic locking: `Clarification.revision`, `Bulletin.version`.

Every change of the record counts one up; a write naming a stale count answers
412. A published bulletin still only moves on (superseded, cancelled,
withdrawn), and its counter with it, so the frozen-content trigger lets the
counter change too.
"""

from django.db import migrations, models


def _bulletin_frozen(moving: str) -> str:
    """The frozen-bulletin trigger function, letting the `moving` columns change."""
    return f"""
CREATE OR REPLACE FUNCTION facts_bulletin_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('published', 'superseded', 'cancelled', 'withdrawn') THEN
            RAISE EXCEPTION 'published bulletin % cannot be deleted', OLD.identifier
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status IN ('published', 'superseded', 'cancelled', 'withdrawn') AND (
        (to_jsonb(NEW) {moving}) IS DISTINCT FROM (to_jsonb(OLD) {moving})
        OR NEW.status IN ('draft', 'in_review', 'approved', 'published')
           AND NEW.status <> OLD.status
    ) THEN
        RAISE EXCEPTION 'published bulletin % is immutable', OLD.identifier
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


MOVING = "- 'status' - 'withdrawn_at' - 'withdrawal_reason' - 'updated_at'"


class Migration(migrations.Migration):
    dependencies = [("facts", "0003_seed_verdicts")]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="counts every change (expectedVersion in GraphQL)"
            ),
        ),
        migrations.AddField(
            model_name="clarification",
            name="revision",
            field=models.PositiveIntegerField(
                default=1,
                help_text="counts every change (expectedRevision in GraphQL); version numbers content",
            ),
        ),
        migrations.RunSQL(_bulletin_frozen(f"{MOVING} - 'version'"), _bulletin_frozen(MOVING)),
    ]
