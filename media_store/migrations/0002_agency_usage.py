"""Each agency's quota usage as one row, kept by triggers on the asset table.

Counting an agency's bytes with SUM() read every one of its assets on every
upload, twice. The triggers add an asset's size when it starts counting
(inserted, or moved out of `deleted`) and take it away when it stops (deleted,
removed); the rows are filled once from the assets there are.
"""

import django.db.models.deletion
from django.db import migrations, models

COUNT = """
CREATE FUNCTION media_usage_add(agency bigint, delta bigint) RETURNS void AS $$
    INSERT INTO media_store_agencyusage (agency_id, bytes) VALUES (agency, delta)
    ON CONFLICT (agency_id)
    DO UPDATE SET bytes = media_store_agencyusage.bytes + EXCLUDED.bytes;
$$ LANGUAGE sql;

CREATE FUNCTION media_usage_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status <> 'deleted' THEN
        PERFORM media_usage_add(OLD.agency_id, -OLD.size);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status <> 'deleted' THEN
        PERFORM media_usage_add(NEW.agency_id, NEW.size);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER media_usage_count_rows
    AFTER INSERT OR DELETE ON media_store_mediaasset
    FOR EACH ROW EXECUTE FUNCTION media_usage_count();

-- Only changes that move the count: processing an asset (status to ready)
-- leaves the usage row alone.
CREATE TRIGGER media_usage_count_changes
    AFTER UPDATE OF agency_id, size, status ON media_store_mediaasset
    FOR EACH ROW WHEN (
        OLD.agency_id <> NEW.agency_id OR OLD.size <> NEW.size
        OR (OLD.status = 'deleted') <> (NEW.status = 'deleted')
    )
    EXECUTE FUNCTION media_usage_count();

INSERT INTO media_store_agencyusage (agency_id, bytes)
    SELECT agency_id, sum(size) FROM media_store_mediaasset
    WHERE status <> 'deleted' GROUP BY agency_id;
"""

UNCOUNT = """
DROP TRIGGER IF EXISTS media_usage_count_changes ON media_store_mediaasset;
DROP TRIGGER IF EXISTS media_usage_count_rows ON media_store_mediaasset;
DROP FUNCTION IF EXISTS media_usage_count();
DROP FUNCTION IF EXISTS media_usage_add(bigint, bigint);
DELETE FROM media_store_agencyusage;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_identity_keycloak"),
        ("media_store", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgencyUsage",
            fields=[
                (
                    "agency",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="agencies.agency",
                    ),
                ),
                ("bytes", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(COUNT, UNCOUNT),
    ]
