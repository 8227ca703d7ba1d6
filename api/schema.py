"""OpenAPI documentation derived from the same Resource declarations that render responses."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from api.resources import Resource

_FIELD_TYPES = [
    (models.BooleanField, serializers.BooleanField),
    (models.IntegerField, serializers.IntegerField),
    (models.DateTimeField, serializers.DateTimeField),
    (models.DateField, serializers.DateField),
    (models.FloatField, serializers.FloatField),
    (models.JSONField, serializers.JSONField),
    (models.UUIDField, serializers.UUIDField),
]


class ProblemFieldError(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class Problem(serializers.Serializer):
    """RFC 9457 problem details, with the hub's stable `code`."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable machine-readable error code.")
    detail = serializers.CharField(help_text="Human message in the Accept-Language language.")
    instance = serializers.CharField(required=False)
    errors = ProblemFieldError(many=True, required=False)


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=Problem, description=description)


COMMON_ERRORS = {
    400: _problem("Malformed request or invalid data (see `errors`)."),
    401: _problem("Authentication required or credentials invalid."),
    403: _problem("Authenticated but not allowed."),
    404: _problem("Not found, or not visible to this caller."),
    405: _problem("Method not allowed."),
    429: _problem("Too many failed authentications; see Retry-After."),
    500: _problem("Internal error."),
}
WRITE_ERRORS = {
    **COMMON_ERRORS,
    409: _problem("Conflicts with existing data."),
    412: _problem("If-Match does not match the current representation."),
    413: _problem("Body too large."),
    415: _problem("Unsupported content type."),
}


def _model_field(model: type[models.Model], path: str) -> models.Field:
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part.removesuffix("_id") if part.endswith("_id") else part)
        if field.is_relation and part.endswith("_id"):
            field = field.target_field
        elif field.is_relation:
            model = field.related_model
    return field


def _serializer_field(field: models.Field) -> serializers.Field:
    if isinstance(field, ArrayField):
        return serializers.ListField(child=_serializer_field(field.base_field))
    if field.is_relation:
        field = field.target_field
    for model_type, serializer_type in _FIELD_TYPES:
        if isinstance(field, model_type):
            return serializer_type(allow_null=field.null, help_text=field.help_text or None)
    choices = getattr(field, "choices", None)
    if choices:
        return serializers.ChoiceField(choices=choices, allow_null=field.null)
    return serializers.CharField(allow_null=field.null, help_text=field.help_text or None)


def resource_serializer(resource: Resource, model: type[models.Model]):
    """A serializer that documents `resource` exactly as it is rendered."""
    fields = {
        name: _serializer_field(_model_field(model, path)) for name, path in resource.fields.items()
    }
    for name in resource.computed:
        fields[name] = serializers.JSONField(read_only=True)
    for name, expansion in resource.expansions.items():
        related = _model_field(model, expansion.prefix).related_model
        nested = {
            key: _serializer_field(_model_field(related, path))
            for key, path in expansion.fields.items()
        }
        fields[f"{name}_expanded"] = inline_serializer(
            f"{resource.name}{name.title()}Expanded", nested, required=False
        )
    return inline_serializer(resource.name, fields)


def document_resource(
    resource: Resource,
    filterset,
    *,
    lookup: str,
    read_only: bool = False,
    write=None,
    delete: bool = True,
):
    """Decorate a ResourceViewSet with complete OpenAPI docs for its actions."""

    def decorate(viewset):
        model = viewset.model
        item = resource_serializer(resource, model)
        page = inline_serializer(
            f"{resource.name}Page",
            {"results": item.__class__(many=True), "next": serializers.URLField(allow_null=True)},
        )
        shape = [
            OpenApiParameter("fields", str, description="Comma-separated fields to return."),
            OpenApiParameter(
                "expand",
                str,
                description="Relations to inline: " + ", ".join(resource.expansions or ["none"]),
            ),
        ]
        views = {
            "list": extend_schema(
                parameters=shape, responses={200: page, **COMMON_ERRORS}, filters=True
            ),
            "retrieve": extend_schema(
                parameters=shape, responses={200: item, 304: None, **COMMON_ERRORS}
            ),
        }
        if not read_only and write is not None:
            views["create"] = extend_schema(request=write, responses={201: item, **WRITE_ERRORS})
            if hasattr(viewset, "partial_update"):
                views["partial_update"] = extend_schema(
                    request=write,
                    responses={200: item, **WRITE_ERRORS},
                    parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
                )
            if delete and hasattr(viewset, "destroy"):
                views["destroy"] = extend_schema(responses={204: None, **WRITE_ERRORS})
        return extend_schema_view(**views)(viewset)

    return decorate


class HubAutoSchema(AutoSchema):
    """Documents the auth schemes and problem+json error bodies of every operation."""

    def get_tags(self):
        return [self.path.split("/")[3] if self.path.count("/") > 3 else "hub"]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A hub API key (smpl_…) or, with Keycloak, a client-credentials JWT.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
