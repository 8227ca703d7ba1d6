from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies import policy
from agencies.models import Agency, ApiKey
from agencies.services import apikey_create, apikey_revoke
from hub.errors import HubError

CLI = policy.Principal(kind="user", label="cli", is_platform_admin=True)


class Command(BaseCommand):
    help = "Create, list or revoke agency API keys. A new key is printed once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key and print it once")
        create.add_argument("--agency", required=True, help="agency slug")
        create.add_argument("--scope", action="append", required=True, choices=policy.SCOPES)
        create.add_argument("--name", default="cli")
        create.add_argument("--days", type=int, default=None, help="valid for N days")
        listing = sub.add_parser("list", help="list keys (never their secrets)")
        listing.add_argument("--agency")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except HubError as exc:
            details = "; ".join(f"{e.field}: {e.message_en}" for e in exc.errors)
            raise CommandError(f"{exc.message_en} {details}".strip()) from None

    def do_create(self, agency, scope, name, days, **_):
        target = Agency.objects.filter(slug=agency).first()
        if target is None:
            raise CommandError(f"no agency with slug {agency!r}")
        expires = timezone.now() + timedelta(days=days) if days else None
        key, secret = apikey_create(
            principal=CLI, agency=target, name=name, scopes=scope, expires_at=expires
        )
        self.stderr.write(f"key {key.prefix} for {target.slug}, scopes {', '.join(key.scopes)}")
        self.stderr.write(f"expires {key.expires_at:%Y-%m-%d}; the secret is shown only now:")
        self.stdout.write(secret)

    def do_list(self, agency=None, **_):
        keys = ApiKey.objects.select_related("agency").order_by("agency__slug", "id")
        if agency:
            keys = keys.filter(agency__slug=agency)
        for key in keys:
            state = "revoked" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{key.agency.slug}\t{state}\t{','.join(key.scopes)}\t{key.name}"
            )

    def do_revoke(self, prefix, **_):
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"no key with prefix {prefix!r}")
        apikey_revoke(principal=CLI, key=key)
        self.stdout.write(f"revoked {prefix}")
