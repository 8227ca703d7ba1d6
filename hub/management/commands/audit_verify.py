from django.core.management.base import BaseCommand, CommandError

from hub.audit import audit_verify
from hub.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; names every entry that was altered."

    def handle(self, *args, **options):
        breaks = list(audit_verify())
        if breaks:
            for item in breaks:
                self.stderr.write(f"audit entry #{item.entry_id}: {item.reason}")
            raise CommandError(f"audit chain broken at {len(breaks)} place(s)")
        self.stdout.write(f"audit chain intact ({AuditEntry.objects.count()} entries)")
