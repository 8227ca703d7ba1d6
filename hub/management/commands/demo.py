from django.core.management.base import BaseCommand

from hub.demo import AGENCIES, demo_load, demo_password


class Command(BaseCommand):
    help = "Load the realistic demo data set (idempotent)."

    def handle(self, *args, **options):
        demo_load()
        slugs = ", ".join(item["slug"] for item in AGENCIES)
        self.stdout.write(f"demo agencies: {slugs}")
        self.stdout.write(
            f"demo staff: <slug>.<role> (e.g. bnpb.editor), password {demo_password()!r}"
        )
