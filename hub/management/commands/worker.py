from django.core.management import call_command
from django.core.management.base import BaseCommand

from hub.db import bound_waits


class Command(BaseCommand):
    help = "Run the background job worker (queue in PostgreSQL) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, concurrency=2, **options):
        bound_waits()
        call_command("procrastinate", "worker", "--concurrency", str(concurrency))
