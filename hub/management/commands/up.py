from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Prepare and serve the whole hub: migrate, reference and demo data, admin, serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="skip the demo data set")

    def handle(self, *args, no_demo=False, **options):
        from django.conf import settings

        from hub.management.commands.serve import ensure_port_free

        ensure_port_free(settings.HUB_BIND, settings.HUB_PORT)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_regions", if_empty=True)
        if not no_demo:
            call_command("demo")
        call_command("bootstrap_admin")
        call_command("serve")
