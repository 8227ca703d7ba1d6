import orjson
from django.core.management.base import BaseCommand, CommandError

from agencies import policy
from agencies.contacts.models import Person
from agencies.contacts.services import person_erase

CLI = policy.Principal(kind="user", label="cli:pdp-erase", is_platform_admin=True)


class Command(BaseCommand):
    help = (
        "Erase a person's personal data (UU PDP): the person and their personal numbers. "
        "Posts and official contacts stay. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="the person's id")

    def handle(self, *args, person, **options):
        found = Person.objects.filter(pk=person).first()
        if found is None:
            raise CommandError(f"no person with id {person}")
        summary = person_erase(principal=CLI, person=found)
        self.stdout.write(orjson.dumps({"erased": summary}).decode())
