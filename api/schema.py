"""OpenAPI documentation derived from the same Resource declarations that render responses."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
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


ERRORS = {
    "400": "Malformed request or invalid data (see `errors`).",
    "401": "Authentication required or credentials invalid.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or not visible to this caller.",
    "405": "Method not allowed.",
    "429": "Too many failed authentications; see Retry-After.",
    "500": "Internal error.",
}
WRITE_ERRORS = {
    "409": "Conflicts with existing data.",
    "412": "If-Match does not match the current representation.",
    "413": "Body too large.",
    "415": "Unsupported content type.",
}


# Error statuses only some operations give; they name them with `responses={422: None}`.
OTHER_ERRORS = {
    "422": "The content cannot be processed (see `code`).",
    "460": "The body does not match its Upload-Checksum (tus); nothing of it was kept.",
    "503": "A service the hub needs is out of reach; see Retry-After.",
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


_documented: dict[str, serializers.Serializer] = {}


def resource_serializer(resource: Resource, model: type[models.Model]):
    """A serializer that documents `resource` exactly as it is rendered (one per resource)."""
    if resource.name in _documented:
        return _documented[resource.name]
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
    _documented[resource.name] = inline_serializer(resource.name, fields)
    return _documented[resource.name]


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
            "list": extend_schema(parameters=shape, responses={200: page}, filters=True),
            "retrieve": extend_schema(parameters=shape, responses={200: item, 304: None}),
        }
        if not read_only and write is not None:
            views["create"] = extend_schema(request=write, responses={201: item})
            if hasattr(viewset, "partial_update"):
                views["partial_update"] = extend_schema(
                    request=write,
                    responses={200: item},
                    parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
                )
            if delete and hasattr(viewset, "destroy"):
                views["destroy"] = extend_schema(
                    responses={204: None},
                    parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
                )
        return extend_schema_view(**views)(viewset)

    return decorate


class HubAutoSchema(AutoSchema):
    """Adds the problem+json error responses every operation can give."""

    def get_tags(self):
        return [self.path.split("/")[3] if self.path.count("/") > 3 else "hub"]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        problem = self.resolve_serializer(Problem, "response").ref
        errors = dict(ERRORS)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            errors.update(WRITE_ERRORS)
        for status, description in errors.items():
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/problem+json": {"schema": problem}},
                },
            )
        # An error an operation names without a body (`{413: None}`) is a problem too.
        described = {**ERRORS, **WRITE_ERRORS, **OTHER_ERRORS}
        for status, response in responses.items():
            if status[:1] in ("4", "5") and "content" not in response:
                response["description"] = described.get(status, response.get("description", ""))
                response["content"] = {"application/problem+json": {"schema": problem}}
        return responses


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
