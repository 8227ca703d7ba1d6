from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media_store.integrity import media_scrub


class Command(BaseCommand):
    help = (
        "Verify every media blob against its SHA-256, re-queue missing renditions, "
        "report orphans and remove those older than the grace period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help="only orphans older than this are removed (default HUB_MEDIA_ORPHAN_GRACE_HOURS)",
        )
        parser.add_argument(
            "--quick", action="store_true", help="check that blobs exist without reading them"
        )
        parser.add_argument("--dry-run", action="store_true", help="report orphans, remove nothing")

    def handle(self, *args, grace_hours=None, quick=False, dry_run=False, **options):
        hours = settings.HUB_MEDIA_ORPHAN_GRACE_HOURS if grace_hours is None else grace_hours
        report = media_scrub(
            grace=timedelta(hours=hours), verify_content=not quick, remove=not dry_run
        )
        write = self.stdout.write
        write(f"blobs checked:        {report.checked}")
        for key in report.missing:
            write(f"MISSING               {key}")
        for key in report.corrupt:
            write(f"CORRUPT (sha256)      {key}")
        for asset_id in report.damaged_assets:
            write(f"asset with bad original: {asset_id}")
        write(f"renditions re-queued: {len(report.requeued)} {report.requeued or ''}".rstrip())
        write(f"orphans found:        {len(report.orphans)}")
        for key in report.orphans:
            write(f"  orphan              {key}")
        write(f"orphans removed:      {len(report.removed) + len(report.collected_rows)}")
        write(f"expired uploads:      {len(report.expired_uploads)}")
        write(f"abandoned multipart:  {len(report.abandoned)}")
        if not report.ok:
            raise CommandError(
                f"{len(report.missing)} missing and {len(report.corrupt)} corrupt blob(s)"
            )
        write("media store is consistent")
