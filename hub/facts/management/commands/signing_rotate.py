from django.core.management.base import BaseCommand, CommandError

from hub.errors import HubError
from hub.facts.keys import signing_key_revoke, signing_key_rotate


class Command(BaseCommand):
    help = (
        "Rotate the hub's signing key: a new key signs from now on; the old one stays in "
        "/.well-known/jwks.json so what it signed keeps verifying. --revoke KID removes a "
        "retired key from the JWKS (e.g. after a compromise)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--revoke", metavar="KID", help="revoke this retired key instead")

    def handle(self, *args, revoke=None, **options):
        if revoke:
            try:
                key = signing_key_revoke(kid=revoke)
            except HubError as exc:  # unknown_key, key_active
                raise CommandError(f"{exc.code}: {exc.message('en')}") from None
            self.stdout.write(f"revoked {key.kid}")
            return
        key = signing_key_rotate()
        self.stdout.write(f"active signing key: {key.kid}")
