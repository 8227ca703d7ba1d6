"""Published content never changes: the database refuses it, whatever the code path.

A published or superseded clarification version may only move from published
to superseded; a published bulletin may only move on (superseded, cancelled,
withdrawn). Neither may be deleted.
"""

from django.db import migrations

FORBID = """
CREATE FUNCTION facts_version_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('published', 'superseded') THEN
            RAISE EXCEPTION 'published clarification version % cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state IN ('published', 'superseded') AND (
        (to_jsonb(NEW) - 'state' - 'updated_at') IS DISTINCT FROM
        (to_jsonb(OLD) - 'state' - 'updated_at')
        OR NEW.state <> 'superseded' AND NEW.state <> OLD.state
    ) THEN
        RAISE EXCEPTION 'published clarification version % is immutable', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER facts_version_frozen
    BEFORE UPDATE OR DELETE ON facts_clarificationversion
    FOR EACH ROW EXECUTE FUNCTION facts_version_frozen();

CREATE FUNCTION facts_bulletin_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('published', 'superseded', 'cancelled', 'withdrawn') THEN
            RAISE EXCEPTION 'published bulletin % cannot be deleted', OLD.identifier
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status IN ('published', 'superseded', 'cancelled', 'withdrawn') AND (
        (to_jsonb(NEW) - 'status' - 'withdrawn_at' - 'withdrawal_reason' - 'updated_at')
        IS DISTINCT FROM
        (to_jsonb(OLD) - 'status' - 'withdrawn_at' - 'withdrawal_reason' - 'updated_at')
        OR NEW.status IN ('draft', 'in_review', 'approved', 'published')
           AND NEW.status <> OLD.status
    ) THEN
        RAISE EXCEPTION 'published bulletin % is immutable', OLD.identifier
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER facts_bulletin_frozen
    BEFORE UPDATE OR DELETE ON facts_bulletin
    FOR EACH ROW EXECUTE FUNCTION facts_bulletin_frozen();
"""

ALLOW = """
DROP TRIGGER IF EXISTS facts_version_frozen ON facts_clarificationversion;
DROP FUNCTION IF EXISTS facts_version_frozen();
DROP TRIGGER IF EXISTS facts_bulletin_frozen ON facts_bulletin;
DROP FUNCTION IF EXISTS facts_bulletin_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("facts", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
