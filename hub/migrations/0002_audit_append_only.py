"""The audit log is append-only: the database itself refuses UPDATE and DELETE."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION hub_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER hub_audit_append_only
    BEFORE UPDATE OR DELETE ON hub_auditentry
    FOR EACH ROW EXECUTE FUNCTION hub_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS hub_audit_append_only ON hub_auditentry;
DROP FUNCTION IF EXISTS hub_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("hub", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
