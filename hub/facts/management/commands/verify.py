import json
import sys

from django.core.management.base import BaseCommand, CommandError

from hub.errors import HubError
from hub.facts.selectors import document_check, verification_message


class Command(BaseCommand):
    help = (
        "Check a signed clarification or bulletin (a JSON file with its `signature`, or "
        '{"document": ..., "signature": ...}; "-" reads stdin). Exit status 0 when authentic '
        "and unaltered, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the result as JSON"
        )

    def handle(self, *args, file, as_json: bool = False, **options):
        raw = sys.stdin.read() if file == "-" else _read(file)
        try:
            payload = _loads(raw)
            result = document_check(payload)
        except HubError as exc:
            raise CommandError(exc.message("en")) from None
        if as_json:
            self.stdout.write(_dumps(result.as_dict()))
        else:
            self.stdout.write(verification_message(result, "en"))
        if not result.authentic:
            sys.exit(1)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def _loads(raw: str):
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise CommandError(f"not JSON: {exc}") from None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
