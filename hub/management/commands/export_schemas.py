from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from api.graphql.schema import schema

API_DOCS = Path(settings.BASE_DIR) / "docs" / "api"


def openapi_yaml() -> str:
    """The OpenAPI 3 document as served at /api/v1/schema/, in the hub's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        document = SchemaGenerator().get_schema(request=None, public=True)
        return OpenApiYamlRenderer().render(document, renderer_context={}).decode()


def graphql_sdl() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(schema).rstrip() + "\n"


class Command(BaseCommand):
    help = "Write the committed API contracts: docs/api/openapi.yaml and docs/api/schema.graphql."

    def handle(self, *args, **options):
        API_DOCS.mkdir(parents=True, exist_ok=True)
        (API_DOCS / "openapi.yaml").write_text(openapi_yaml())
        (API_DOCS / "schema.graphql").write_text(graphql_sdl())
        self.stdout.write(f"wrote {API_DOCS}/openapi.yaml and schema.graphql")
