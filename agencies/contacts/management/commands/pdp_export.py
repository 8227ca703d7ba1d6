import orjson
from django.core.management.base import BaseCommand, CommandError

from agencies import policy
from agencies.contacts.models import Person
from agencies.contacts.services import pdp_export

CLI = policy.Principal(kind="user", label="cli:pdp-export", is_platform_admin=True)


class Command(BaseCommand):
    help = "Print everything held about a person, and who read it, as JSON (UU PDP). Audited."

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="the person's id")

    def handle(self, *args, person, **options):
        found = Person.objects.filter(pk=person).first()
        if found is None:
            raise CommandError(f"no person with id {person}")
        data = pdp_export(principal=CLI, person=found)
        self.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
