import time

from django.core.management.base import BaseCommand

from agencies.models import Region
from agencies.regions import regions_load


class Command(BaseCommand):
    help = "Load the official region codes (kode wilayah) shipped with the hub. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when regions are already loaded"
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Region.objects.exists():
            self.stdout.write("regions already loaded")
            return
        started = time.perf_counter()
        rows = regions_load()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"loaded {rows} regions in {elapsed:.1f}s")
