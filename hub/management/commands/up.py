import io
from contextlib import ExitStack

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Prepare and serve the whole hub: migrate, reference and demo data, admin, serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="skip the demo data set")

    def handle(self, *args, no_demo=False, **options):
        from django.conf import settings

        from hub.management.commands.serve import ensure_port_free

        ensure_port_free(settings.HUB_BIND, settings.HUB_PORT)
        with ExitStack() as stack:
            local_keycloak = settings.HUB_IDENTITY == "keycloak" and not settings.KEYCLOAK_URL
            if local_keycloak:
                self._start_local_keycloak(stack)
            call_command("migrate", interactive=False, verbosity=0)
            call_command("load_regions", if_empty=True)
            if not no_demo:
                call_command("demo")
            call_command("bootstrap_admin")
            if settings.KEYCLOAK_URL:
                self._sync_keycloak(demo=local_keycloak and not no_demo)
            call_command("serve")

    def _start_local_keycloak(self, stack: ExitStack) -> None:
        from agencies.identity.local import LocalKeycloakError, local_keycloak
        from hub.db import data_dir

        self.stdout.write("starting Keycloak (deploy/local/keycloak.sh), the first time slowly…")
        self.stdout.flush()
        try:
            values = stack.enter_context(local_keycloak(data_dir() / "keycloak"))
        except LocalKeycloakError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Keycloak: {values['KEYCLOAK_URL']} (realm simpul)")

    def _sync_keycloak(self, *, demo: bool) -> None:
        try:
            call_command("keycloak_sync", stdout=io.StringIO())
        except CommandError as exc:
            self.stderr.write(f"keycloak-sync: {exc} (run it again later)")
            return
        if demo:
            from agencies import policy
            from agencies.identity.local import demo_sign_in
            from hub.demo import AGENCIES, demo_password

            names = [f"{agency['slug']}.{role}" for agency in AGENCIES for role in policy.ROLES]
            count = demo_sign_in(names, demo_password())
            self.stdout.write(f"demo staff may also sign in with SSO ({count} accounts)")
