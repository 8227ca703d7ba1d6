"""GraphQL types and mutations of the agencies app (same FilterSets, policy, services)."""

from __future__ import annotations

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

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
    membership_create,
    membership_delete,
)
from api.graphql import compiled
from api.graphql.connections import HubConnectionField
from api.graphql.errors import MutationError, hub_mutation
from hub.errors import NotFound


def principal(info) -> policy.Principal:
    return getattr(info.context, "principal", policy.ANONYMOUS)


class ListConnection(relay.Connection):
    """A list's page: edges with cursors and pageInfo.

    No total count: counting a large list costs as much as reading it, and
    clients page with ``first``/``after`` until ``hasNextPage`` is false.
    """

    class Meta:
        abstract = True


class RegionType(DjangoObjectType):
    """An official region (kode wilayah): province, regency/city, district or village."""

    code = graphene.String(required=True, description="Dotted kode wilayah, e.g. 35.07.")
    ancestors = graphene.List(
        graphene.NonNull(lambda: RegionType), required=True, description="Province first."
    )

    class Meta:
        model = Region
        name = "Region"
        interfaces = (relay.Node,)
        fields = ("code", "name", "level", "kind", "parent")
        filterset_class = RegionFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.select_related("parent").order_by("code")

    def resolve_ancestors(self, info):
        return list(region_ancestors(self.code))

    @bypass_get_queryset
    def resolve_parent(self, info):
        return self.parent


class AgencyType(DjangoObjectType):
    """A government agency."""

    database_id = graphene.Int(required=True, description="The agency's numeric id (REST `id`).")

    class Meta:
        model = Agency
        name = "Agency"
        interfaces = (relay.Node,)
        fields = (
            "slug",
            "name",
            "acronym",
            "type",
            "parent",
            "region",
            "official_domains",
            "website",
            "status",
            "identifiers",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = AgencyFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        # Parents come from one policy-filtered prefetch: a hidden parent reads as null,
        # and a page costs the same queries whatever its size.
        visible = policy.visible_to(principal(info), Agency.objects.all())
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("region")
            .prefetch_related(Prefetch("parent", queryset=visible))
            .order_by("name", "id")
        )

    @bypass_get_queryset
    def resolve_parent(self, info):
        return self.parent

    @bypass_get_queryset
    def resolve_region(self, info):
        return self.region

    def resolve_database_id(self, info):
        return self.pk


# Regions are public reference data, and an agency's region is any region.
compiled.register(RegionType, relations=("parent",))
compiled.register(AgencyType, columns={"database_id": "pk"}, relations=("region",))


class MembershipType(DjangoObjectType):
    """A staff user's role in an agency."""

    database_id = graphene.Int(required=True)
    user_id = graphene.Int(required=True)
    username = graphene.String(required=True)
    sync_state = graphene.String(
        required=True, description="pending, synced or failed: where Keycloak stands."
    )
    sync_error = graphene.String(
        required=True, description="The last provisioning problem or note (an unsent invitation)."
    )

    class Meta:
        model = Membership
        name = "Membership"
        interfaces = (relay.Node,)
        fields = ("agency", "role", "created_at")
        filterset_class = MembershipFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        policy.require_authenticated(principal(info))
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency", "user")
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    def resolve_username(self, info):
        return self.user.username

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency


class ApiKeyType(DjangoObjectType):
    """An agency system's API key (never its secret)."""

    database_id = graphene.Int(required=True)

    class Meta:
        model = ApiKey
        name = "ApiKey"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        )
        filterset_class = ApiKeyFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        policy.require_authenticated(principal(info))
        return policy.visible_to(principal(info), queryset).select_related("agency").order_by("id")

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency


class ApiClientType(DjangoObjectType):
    """An agency system's Keycloak client (never its secret). Needs Keycloak."""

    database_id = graphene.Int(required=True)
    client_id = graphene.String(
        required=True, description="The OAuth client id the system requests tokens with."
    )
    sync_state = graphene.String(
        required=True, description="pending, synced or failed: where Keycloak stands."
    )
    sync_error = graphene.String(
        required=True, description="The last provisioning problem, if any."
    )

    class Meta:
        model = ApiClient
        name = "ApiClient"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "name",
            "scopes",
            "created_at",
            "rotated_at",
            "revoked_at",
            "last_used_at",
            "version",
        )
        filterset_class = ApiClientFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        policy.require_authenticated(principal(info))
        return policy.visible_to(principal(info), queryset).select_related("agency").order_by("id")

    def resolve_database_id(self, info):
        return self.pk

    def resolve_client_id(self, info):
        return self.oauth_client

    def resolve_sync_state(self, info):
        return self.sync_state

    def resolve_sync_error(self, info):
        return self.sync_error

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency


class WhoAmIAgencyType(graphene.ObjectType):
    class Meta:
        name = "WhoAmIAgency"

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    roles = graphene.List(graphene.NonNull(graphene.String), description="People only.")


class WhoAmIType(graphene.ObjectType):
    """Who the hub takes the caller for: the first thing to check when it refuses something."""

    class Meta:
        name = "WhoAmI"

    kind = graphene.String(required=True, description="anonymous, user or system")
    label = graphene.String(required=True, description="As audit entries name the caller.")
    platform_admin = graphene.Boolean(required=True)
    scopes = graphene.List(graphene.NonNull(graphene.String), description="Systems only.")
    agencies = graphene.List(graphene.NonNull(WhoAmIAgencyType), required=True)

    @staticmethod
    def of(summary: dict) -> WhoAmIType:
        return WhoAmIType(
            **{**summary, "agencies": [WhoAmIAgencyType(**a) for a in summary["agencies"]]}
        )


class Query(graphene.ObjectType):
    me = graphene.Field(WhoAmIType, required=True, description="Who you are to the hub.")
    region = graphene.Field(RegionType, code=graphene.String(required=True))
    regions = HubConnectionField(RegionType, description="Official region codes.")
    agency = graphene.Field(AgencyType, slug=graphene.String(required=True))
    agencies = HubConnectionField(AgencyType, description="Agencies visible to you.")
    memberships = HubConnectionField(MembershipType)
    api_keys = HubConnectionField(ApiKeyType)
    api_clients = HubConnectionField(
        ApiClientType, description="Keycloak clients of agency systems you may manage."
    )

    def resolve_me(self, info):
        return WhoAmIType.of(whoami(principal(info)))

    def resolve_region(self, info, code):
        return Region.objects.select_related("parent").filter(code=code).first()

    def resolve_agency(self, info, slug):
        return AgencyType.get_queryset(Agency.objects.filter(slug=slug), info).first()


def _agency(info, slug) -> Agency:
    agency = AgencyType.get_queryset(Agency.objects.filter(slug=slug or ""), info).first()
    if agency is None:
        raise NotFound()
    return agency


class IdentifierInput(graphene.InputObjectType):
    scheme = graphene.String(required=True)
    value = graphene.String(required=True)


class AgencyInput(graphene.InputObjectType):
    name = graphene.String()
    acronym = graphene.String()
    slug = graphene.String()
    type = graphene.String()
    parent = graphene.String(description="Parent agency's slug.")
    region = graphene.String(description="Kode wilayah.")
    official_domains = graphene.List(graphene.NonNull(graphene.String))
    website = graphene.String()
    status = graphene.String()
    identifiers = graphene.List(graphene.NonNull(IdentifierInput))


def _input_dict(data) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, list):
            value = [dict(item) if hasattr(item, "items") else item for item in value]
        out[key] = value
    return out


class AgencyCreate(graphene.Mutation):
    class Arguments:
        input = AgencyInput(required=True)

    agency = graphene.Field(AgencyType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, input):
        agency = agency_create(principal=principal(info), data=_input_dict(input))
        return cls(agency=agency, errors=[])


class AgencyUpdate(graphene.Mutation):
    class Arguments:
        slug = graphene.String(required=True)
        input = AgencyInput(required=True)
        expected_version = graphene.Int(description="Fail with precondition_failed if changed.")

    agency = graphene.Field(AgencyType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, slug, input, expected_version=None):
        agency = agency_update(
            principal=principal(info),
            agency=_agency(info, slug),
            data=_input_dict(input),
            expected_version=expected_version,
        )
        return cls(agency=agency, errors=[])


class MembershipCreate(graphene.Mutation):
    class Arguments:
        agency = graphene.String(required=True)
        user = graphene.Int(required=True)
        role = graphene.String(required=True)

    membership = graphene.Field(MembershipType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, agency, user, role):
        membership = membership_create(
            principal=principal(info), agency=_agency(info, agency), user_id=user, role=role
        )
        return cls(membership=membership, errors=[])


class MembershipDelete(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True, description="The membership's database id.")

    ok = graphene.Boolean(description="True when the membership was removed.")
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id):
        membership = MembershipType.get_queryset(Membership.objects.filter(pk=id), info).first()
        if membership is None:
            raise NotFound()
        membership_delete(principal=principal(info), membership=membership)
        return cls(ok=True, errors=[])


class ApiKeyCreate(graphene.Mutation):
    class Arguments:
        agency = graphene.String(required=True)
        name = graphene.String(required=True)
        scopes = graphene.List(graphene.NonNull(graphene.String), required=True)
        expires_at = graphene.DateTime()

    api_key = graphene.Field(ApiKeyType)
    secret = graphene.String(description="The key itself. Shown only in this response.")
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, agency, name, scopes, expires_at=None):
        key, secret = apikey_create(
            principal=principal(info),
            agency=_agency(info, agency),
            name=name,
            scopes=list(scopes),
            expires_at=expires_at,
        )
        return cls(api_key=key, secret=secret, errors=[])


class ApiKeyRevoke(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)

    api_key = graphene.Field(ApiKeyType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id):
        key = ApiKeyType.get_queryset(ApiKey.objects.filter(pk=id), info).first()
        if key is None:
            raise NotFound()
        return cls(api_key=apikey_revoke(principal=principal(info), key=key), errors=[])


def _api_client(info, id) -> ApiClient:
    record = ApiClientType.get_queryset(ApiClient.objects.filter(pk=id), info).first()
    if record is None:
        raise NotFound()
    return record


class ApiClientCreate(graphene.Mutation):
    """Register an agency system as a Keycloak client; the secret is shown only here."""

    class Arguments:
        agency = graphene.String(required=True, description="The agency's slug.")
        name = graphene.String(required=True)
        scopes = graphene.List(graphene.NonNull(graphene.String), required=True)

    api_client = graphene.Field(ApiClientType)
    client_id = graphene.String(description="The OAuth client id.")
    secret = graphene.String(description="The client secret. Shown only in this response.")
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, agency, name, scopes):
        record, secret = apiclient_create(
            principal=principal(info), agency=_agency(info, agency), name=name, scopes=list(scopes)
        )
        return cls(api_client=record, client_id=record.oauth_client, secret=secret, errors=[])


class ApiClientRotate(graphene.Mutation):
    """Give an API client a new secret, shown only here; the old one works until synced."""

    class Arguments:
        id = graphene.Int(required=True, description="The API client's database id.")

    api_client = graphene.Field(ApiClientType)
    secret = graphene.String(description="The new client secret. Shown only in this response.")
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id):
        record, secret = apiclient_rotate(principal=principal(info), record=_api_client(info, id))
        return cls(api_client=record, secret=secret, errors=[])


class ApiClientRevoke(graphene.Mutation):
    """Revoke an API client: its tokens are refused at once."""

    class Arguments:
        id = graphene.Int(required=True, description="The API client's database id.")

    api_client = graphene.Field(ApiClientType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id):
        record = apiclient_revoke(principal=principal(info), record=_api_client(info, id))
        return cls(api_client=record, errors=[])


class Mutation(graphene.ObjectType):
    agency_create = AgencyCreate.Field()
    agency_update = AgencyUpdate.Field()
    membership_create = MembershipCreate.Field()
    membership_delete = MembershipDelete.Field()
    api_key_create = ApiKeyCreate.Field()
    api_key_revoke = ApiKeyRevoke.Field()
    api_client_create = ApiClientCreate.Field()
    api_client_rotate = ApiClientRotate.Field()
    api_client_revoke = ApiClientRevoke.Field()
