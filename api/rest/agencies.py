"""REST resources of the agencies app: regions, agencies, memberships, API keys, API clients."""

from __future__ import annotations

import copy

import orjson
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action

from agencies import policy
from agencies.filters import (
    AgencyFilterSet,
    ApiClientFilterSet,
    ApiKeyFilterSet,
    MembershipFilterSet,
    RegionFilterSet,
)
from agencies.models import Agency, ApiClient, ApiKey, Membership, Region
from agencies.regions import region_ancestors
from agencies.selectors import whoami
from agencies.services import (
    agency_create,
    agency_update,
    apiclient_create,
    apiclient_revoke,
    apiclient_rotate,
    apikey_create,
    apikey_revoke,
    is_government_domain,
    membership_create,
    membership_delete,
)
from api.resources import Expansion, Resource
from api.schema import document_resource, resource_serializer
from api.views import ResourceViewSet
from hub.dates import INVALID_DATETIME, parse_datetime
from hub.errors import FieldError, ValidationFailed

REGION_BRIEF = {"code": "code", "name": "name", "level": "level", "kind": "kind"}

REGION = Resource(
    name="Region",
    fields={**REGION_BRIEF, "parent": "parent_id"},
    expansions={"parent": Expansion("parent", REGION_BRIEF)},
)

AGENCY = Resource(
    name="Agency",
    fields={
        "id": "id",
        "slug": "slug",
        "name": "name",
        "acronym": "acronym",
        "type": "type",
        "parent": "parent__slug",
        "region": "region_id",
        "official_domains": "official_domains",
        "website": "website",
        "status": "status",
        "identifiers": "identifiers",
        "version": "version",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    expansions={
        "parent": Expansion(
            "parent", {"slug": "slug", "name": "name", "acronym": "acronym", "type": "type"}
        ),
        "region": Expansion("region", REGION_BRIEF),
    },
    computed={
        "non_government_domains": lambda row: [
            d for d in row["official_domains"] if not is_government_domain(d)
        ]
    },
    computed_needs={"non_government_domains": ("official_domains",)},
)

MEMBERSHIP = Resource(
    name="Membership",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "user": "user_id",
        "username": "user__username",
        "email": "user__email",
        "role": "role",
        "created_at": "created_at",
        "sync_state": "sync_state",
        "sync_error": "sync_error",
    },
    expansions={
        "agency": Expansion("agency", {"slug": "slug", "name": "name", "type": "type"}),
    },
)

API_KEY = Resource(
    name="ApiKey",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "name": "name",
        "prefix": "prefix",
        "scopes": "scopes",
        "created_at": "created_at",
        "expires_at": "expires_at",
        "revoked_at": "revoked_at",
        "last_used_at": "last_used_at",
    },
)

API_CLIENT = Resource(
    name="ApiClient",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "name": "name",
        "client_id": "oauth_client",
        "scopes": "scopes",
        "created_at": "created_at",
        "rotated_at": "rotated_at",
        "revoked_at": "revoked_at",
        "last_used_at": "last_used_at",
        "sync_state": "sync_state",
        "sync_error": "sync_error",
        "version": "version",
    },
)


REGION_LIST = inline_serializer(
    "RegionList", {"results": resource_serializer(REGION, Region).__class__(many=True)}
)


class AgencyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    acronym = serializers.CharField(max_length=40, required=False)
    slug = serializers.SlugField(required=False)
    type = serializers.ChoiceField(choices=Agency.Type.choices)
    parent = serializers.SlugField(required=False, allow_null=True, help_text="parent's slug")
    region = serializers.CharField(required=False, allow_null=True, help_text="kode wilayah")
    official_domains = serializers.ListField(child=serializers.CharField(), required=False)
    website = serializers.URLField(required=False)
    status = serializers.ChoiceField(choices=Agency.Status.choices, required=False)
    identifiers = serializers.ListField(child=serializers.DictField(), required=False)


class MembershipInput(serializers.Serializer):
    agency = serializers.SlugField()
    user = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ApiKeyInput(serializers.Serializer):
    agency = serializers.SlugField()
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=policy.SCOPES))
    expires_at = serializers.DateTimeField(required=False)


class ApiClientInput(serializers.Serializer):
    agency = serializers.SlugField()
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=policy.SCOPES))


API_CLIENT_WITH_SECRET = inline_serializer(
    "ApiClientWithSecret",
    {
        **{
            name: copy.deepcopy(field)
            for name, field in resource_serializer(API_CLIENT, ApiClient).fields.items()
        },
        "secret": serializers.CharField(
            help_text="The client secret. Shown only in this response."
        ),
    },
)


def _agency_by_slug(principal, slug, field="agency") -> Agency:
    agency = Agency.objects.filter(slug=str(slug or "")).first()
    if agency is None:
        raise ValidationFailed(
            errors=[FieldError(field, "unknown_agency", "Instansi tidak ada.", "No such agency.")]
        )
    return agency


@document_resource(REGION, RegionFilterSet, lookup="code", read_only=True)
class RegionViewSet(ResourceViewSet):
    """Official region codes (kode wilayah); readable by anyone."""

    resource = REGION
    model = Region
    compiled_lists = True
    filterset_class = RegionFilterSet
    ordering = ("code",)
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{2}(?:\.[0-9]{2,4}){0,3}"
    anonymous_read = True

    def get_queryset(self):
        return Region.objects.all()

    @extend_schema(summary="Ancestors of a region, province first", responses=REGION_LIST)
    @action(detail=True, methods=["get"])
    def ancestors(self, request, code=None):
        self.get_object()
        fields, expand = self._shape()
        return self.respond(
            {"results": REGION.render(region_ancestors(code), fields=fields, expand=expand)}
        )

    @extend_schema(summary="Direct children of a region", responses=REGION_LIST)
    @action(detail=True, methods=["get"])
    def children(self, request, code=None):
        self.get_object()
        fields, expand = self._shape()
        queryset = Region.objects.filter(parent_id=code).order_by("code")
        return self.respond({"results": REGION.render(queryset, fields=fields, expand=expand)})


@document_resource(AGENCY, AgencyFilterSet, lookup="slug", write=AgencyInput, delete=False)
class AgencyViewSet(ResourceViewSet):
    """Government agencies. Anyone reads active agencies; platform admins create them."""

    resource = AGENCY
    model = Agency
    compiled_lists = True
    filterset_class = AgencyFilterSet
    ordering = ("name", "id")
    lookup_field = "slug"
    anonymous_read = True

    def get_queryset(self):
        return policy.visible_to(self.request.user, Agency.objects.all())

    def create(self, request):
        agency = agency_create(principal=request.user, data=self.body())
        return self.created(agency)

    def partial_update(self, request, slug=None):
        with self.changing() as agency:
            agency = agency_update(principal=request.user, agency=agency, data=self.body())
        return self.respond(self.represent(agency))


@document_resource(MEMBERSHIP, MembershipFilterSet, lookup="id", write=MembershipInput)
class MembershipViewSet(ResourceViewSet):
    """Staff roles in agencies: visible to the agency's admins and to the member."""

    resource = MEMBERSHIP
    model = Membership
    compiled_lists = True
    filterset_class = MembershipFilterSet
    ordering = ("id",)
    lookup_field = "pk"

    def get_queryset(self):
        return policy.visible_to(self.request.user, Membership.objects.all())

    def create(self, request):
        data = self.body()
        agency = _agency_by_slug(request.user, data.get("agency"))
        membership = membership_create(
            principal=request.user, agency=agency, user_id=data.get("user"), role=data.get("role")
        )
        return self.created(membership)

    def destroy(self, request, pk=None):
        with self.changing() as membership:
            membership_delete(principal=request.user, membership=membership)
        return self.respond(None, status=204)


@document_resource(API_KEY, ApiKeyFilterSet, lookup="id", write=ApiKeyInput)
class ApiKeyViewSet(ResourceViewSet):
    """API keys of agency systems. The secret appears once, in the create response."""

    resource = API_KEY
    model = ApiKey
    compiled_lists = True
    filterset_class = ApiKeyFilterSet
    ordering = ("id",)
    lookup_field = "pk"

    def get_queryset(self):
        return policy.visible_to(self.request.user, ApiKey.objects.all())

    def create(self, request):
        data = self.body()
        agency = _agency_by_slug(request.user, data.get("agency"))
        expires_at = None
        if data.get("expires_at"):
            expires_at = parse_datetime(str(data["expires_at"]))
            if expires_at is None:
                raise ValidationFailed(
                    errors=[FieldError("expires_at", "invalid_datetime", *INVALID_DATETIME)]
                )
        key, secret = apikey_create(
            principal=request.user,
            agency=agency,
            name=data.get("name", ""),
            scopes=data.get("scopes"),
            expires_at=expires_at,
        )
        response = self.created(key)
        # The secret is shown once, here, and never cached.
        body = orjson.loads(response.content)
        body["secret"] = secret
        response.content = orjson.dumps(body)
        response["Cache-Control"] = "no-store"
        return response

    def destroy(self, request, pk=None):
        key = self.get_object()
        apikey_revoke(principal=request.user, key=key)
        return self.respond(None, status=204)


def _with_secret(response, secret: str):
    """Add the once-shown secret to a response and keep every cache from storing it."""
    body = orjson.loads(response.content)
    body["secret"] = secret
    response.content = orjson.dumps(body)
    response["Cache-Control"] = "no-store"
    return response


@document_resource(API_CLIENT, ApiClientFilterSet, lookup="id", write=ApiClientInput)
class ApiClientViewSet(ResourceViewSet):
    """Keycloak clients of agency systems (client-credentials grant). Needs Keycloak.

    The secret appears once: in the create and rotate responses. The system can get
    tokens once `sync_state` is `synced`.
    """

    resource = API_CLIENT
    model = ApiClient
    compiled_lists = True
    filterset_class = ApiClientFilterSet
    ordering = ("id",)
    lookup_field = "pk"

    def get_queryset(self):
        return policy.visible_to(self.request.user, ApiClient.objects.all())

    def create(self, request):
        data = self.body()
        agency = _agency_by_slug(request.user, data.get("agency"))
        record, secret = apiclient_create(
            principal=request.user,
            agency=agency,
            name=data.get("name", ""),
            scopes=data.get("scopes"),
        )
        return _with_secret(self.created(record), secret)

    @extend_schema(
        summary="Give the client a new secret (shown once); the old one works until synced",
        request=None,
        responses={200: API_CLIENT_WITH_SECRET},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        with self.changing() as record:
            record, secret = apiclient_rotate(principal=request.user, record=record)
        return _with_secret(self.respond(self.represent(record)), secret)

    def destroy(self, request, pk=None):
        record = self.get_object()
        apiclient_revoke(principal=request.user, record=record)
        return self.respond(None, status=204)


__all__ = [
    "AgencyViewSet",
    "ApiClientViewSet",
    "ApiKeyViewSet",
    "MembershipViewSet",
    "RegionViewSet",
]


class WhoAmI(serializers.Serializer):
    kind = serializers.ChoiceField(["anonymous", "user", "system"])
    label = serializers.CharField(help_text="as audit entries name the caller")
    platform_admin = serializers.BooleanField()
    scopes = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="systems only; null for people"
    )
    agencies = inline_serializer(
        "WhoAmIAgency",
        {
            "slug": serializers.CharField(),
            "name": serializers.CharField(),
            "roles": serializers.ListField(
                child=serializers.CharField(), allow_null=True, help_text="people only"
            ),
        },
        many=True,
    )


class MeViewSet(ResourceViewSet):
    """Who the hub takes the caller for: the first thing to check when it refuses something."""

    anonymous_read = True

    @extend_schema(
        summary="The caller: kind, agencies (roles for people), scopes (for systems)",
        responses={200: WhoAmI},
    )
    def retrieve(self, request, *args, **kwargs):
        return self.respond(whoami(request.user))
