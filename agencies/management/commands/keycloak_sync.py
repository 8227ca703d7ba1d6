from django.core.management.base import BaseCommand, CommandError

from agencies.identity import keycloak_enabled, realm_issuer


class Command(BaseCommand):
    help = (
        "Make Keycloak match the hub: create what is missing, fix renamed agencies, disable "
        "clients of suspended agencies and revoked clients, remove stale groups, members and "
        "clients. Prints every change, or 'nothing changed'."
    )

    def handle(self, *args, **options):
        from agencies.identity.keycloak import describe_error
        from agencies.identity.provisioning import reconcile_all

        if not keycloak_enabled():
            raise CommandError("KEYCLOAK_URL is not set: identity is embedded, nothing to sync")
        try:
            report = reconcile_all()
        except Exception as exc:  # noqa: BLE001 - reported in one line, like other start-up errors
            error = describe_error(exc)
            raise CommandError(f"cannot sync with {realm_issuer()}: {error}") from None
        for change in report.changes:
            self.stdout.write(change)
        if not report.changes:
            self.stdout.write("nothing changed")
        for failure in report.failures:
            self.stderr.write(f"failed: {failure}")
        if report.failures:
            raise CommandError(f"{len(report.failures)} record(s) could not be synced")
