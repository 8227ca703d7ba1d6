"""GraphQL types and mutations of the media store (same FilterSets, policy, services as REST).

Uploads are REST only (multipart or tus); everything else is here too. A page
of assets costs a fixed number of queries: agencies are joined, renditions
come from one prefetch.
"""

from __future__ import annotations

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from agencies import policy
from api.graphql import compiled
from api.graphql.agencies import ListConnection, principal
from api.graphql.connections import HubConnectionField
from api.graphql.errors import MutationError, hub_mutation
from hub.errors import NotFound
from media_store import delivery, selectors, services
from media_store.filters import CollectionFilterSet, MediaAssetFilterSet
from media_store.models import Collection, MediaAsset, Rendition
from media_store.rules import is_public


class MediaRenditionType(graphene.ObjectType):
    """A metadata-free derived file: one preset (e.g. `square`) in one format."""

    class Meta:
        name = "MediaRendition"

    name = graphene.String(
        required=True,
        description="thumbnail, web, square, portrait, story, landscape or link_preview.",
    )
    format = graphene.String(required=True, description="webp or jpeg.")
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    size = graphene.Int(required=True, description="Bytes.")
    sha256 = graphene.String(required=True)
    url = graphene.String(
        required=True,
        description="Stable for public, published assets; otherwise valid for a few minutes.",
    )


class MediaCollectionType(DjangoObjectType):
    """An album of one agency's assets."""

    database_id = graphene.Int(required=True, description="The collection's id (REST `id`).")

    class Meta:
        model = Collection
        name = "MediaCollection"
        interfaces = (relay.Node,)
        fields = ("agency", "title", "description", "visibility", "version", "created_at")
        filterset_class = CollectionFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return policy.visible_to(principal(info), queryset).select_related("agency").order_by("id")

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency


class MediaAssetType(DjangoObjectType):
    """A shared media file (image, video, audio or document) and its metadata."""

    database_id = graphene.Int(required=True, description="The asset's id (REST `id`).")
    size = graphene.BigInt(required=True, description="Of the original, in bytes.")
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    renditions = graphene.List(
        graphene.NonNull(MediaRenditionType),
        required=True,
        description="Ready renditions with their URLs (none until processing is done).",
    )
    original_url = graphene.String(
        description="Short-lived URL of the original; only for the owning agency."
    )
    replaces_id = graphene.Int(description="id of the asset this one replaces.")

    class Meta:
        model = MediaAsset
        name = "MediaAsset"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "title",
            "description",
            "alt_text",
            "language",
            "license",
            "credit",
            "copyright_holder",
            "captured_at",
            "kind",
            "mime",
            "size",
            "sha256",
            "original_filename",
            "width",
            "height",
            "duration",
            "pages",
            "phash",
            "focal_x",
            "focal_y",
            "status",
            "status_detail",
            "visibility",
            "contains_identifiable_people",
            "contains_minors",
            "legal_basis",
            "legal_basis_reference",
            "embargo_until",
            "published_at",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = MediaAssetFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        renditions = Rendition.objects.order_by("name", "format")
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency")
            .annotate(original_location=delivery.original_location_expression())
            .prefetch_related(Prefetch("renditions", queryset=renditions))
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    def resolve_tags(self, info):
        return list(self.tags)

    def resolve_replaces_id(self, info):
        return self.replaces_id

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    def resolve_renditions(self, info):
        public = is_public(self)
        return [
            MediaRenditionType(**delivery.rendition_item(rendition, public=public))
            for rendition in self.renditions.all()
        ]

    def resolve_original_url(self, info):
        return selectors.original_url(principal(info), self)


class MediaMatchType(graphene.ObjectType):
    """An asset whose picture is like the one looked up."""

    class Meta:
        name = "MediaMatch"

    asset = graphene.Field(MediaAssetType, required=True)
    distance = graphene.Int(required=True, description="Differing pHash bits (0 = identical).")


class MediaLookupType(graphene.ObjectType):
    """Official assets matching a file: same bytes (exact) or a similar picture (near)."""

    class Meta:
        name = "MediaLookup"

    exact = graphene.List(graphene.NonNull(MediaAssetType), required=True)
    near = graphene.List(graphene.NonNull(MediaMatchType), required=True)


# An asset's agency is read as graphene reads it (``bypass_get_queryset``): the owner itself.
compiled.register(MediaAssetType, columns={"database_id": "pk"}, relations=("agency",))


class MediaUsageType(graphene.ObjectType):
    """How much of its media quota an agency uses; every asset not deleted counts."""

    class Meta:
        name = "MediaUsage"

    agency = graphene.String(required=True, description="The agency's slug.")
    used_bytes = graphene.BigInt(required=True)
    quota_bytes = graphene.BigInt(description="null: no quota.")
    available_bytes = graphene.BigInt()


class Query(graphene.ObjectType):
    media_asset = graphene.Field(
        MediaAssetType, id=graphene.Int(required=True, description="The asset's database id.")
    )
    media_assets = HubConnectionField(MediaAssetType, description="Assets visible to you.")
    media_collections = HubConnectionField(MediaCollectionType)
    media_lookup = graphene.Field(
        MediaLookupType,
        sha256=graphene.String(description="SHA-256 of the file (hex)."),
        phash=graphene.String(description="64-bit perceptual hash (hex)."),
        description="Is this file (or a resized copy) an official asset?",
    )
    media_usage = graphene.Field(
        MediaUsageType,
        agency=graphene.String(description="The agency's slug (default: yours)."),
        description="How much of its media quota an agency uses (its own people and systems).",
    )

    def resolve_media_asset(self, info, id):
        return MediaAssetType.get_queryset(MediaAsset.objects.filter(pk=id), info).first()

    def resolve_media_lookup(self, info, sha256=None, phash=None):
        result = selectors.asset_lookup(principal=principal(info), sha256=sha256, phash=phash)
        return MediaLookupType(
            exact=result.exact,
            near=[MediaMatchType(asset=asset, distance=d) for asset, d in result.near],
        )

    def resolve_media_usage(self, info, agency=None):
        who = principal(info)
        usage = selectors.media_usage(who, services.upload_agency(who, agency))
        return MediaUsageType(**usage.as_dict())


def _asset(info, asset_id) -> MediaAsset:
    asset = MediaAssetType.get_queryset(MediaAsset.objects.filter(pk=asset_id), info).first()
    if asset is None:
        raise NotFound()
    return asset


def _collection(info, collection_id) -> Collection:
    collection = selectors.collection_list(principal(info)).filter(pk=collection_id).first()
    if collection is None:
        raise NotFound()
    return collection


class MediaAssetInput(graphene.InputObjectType):
    title = graphene.String()
    description = graphene.String()
    alt_text = graphene.String()
    language = graphene.String()
    tags = graphene.List(graphene.NonNull(graphene.String))
    license = graphene.String()
    credit = graphene.String()
    copyright_holder = graphene.String()
    captured_at = graphene.DateTime()
    visibility = graphene.String(description="public, agencies or agency.")
    contains_identifiable_people = graphene.Boolean()
    contains_minors = graphene.Boolean()
    legal_basis = graphene.String()
    legal_basis_reference = graphene.String()
    embargo_until = graphene.DateTime()
    focal_x = graphene.Float(description="Focal point, 0–1 of the width.")
    focal_y = graphene.Float(description="Focal point, 0–1 of the height.")
    collections = graphene.List(graphene.NonNull(graphene.Int))


class MediaAssetUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        input = MediaAssetInput(required=True)
        expected_version = graphene.Int(description="Fail with precondition_failed if changed.")

    asset = graphene.Field(MediaAssetType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, input, expected_version=None):
        asset = services.asset_update(
            principal=principal(info),
            asset=_asset(info, id),
            data=dict(input),
            expected_version=expected_version,
        )
        return cls(asset=asset, errors=[])


class MediaAssetPublish(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        expected_version = graphene.Int()

    asset = graphene.Field(MediaAssetType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, expected_version=None):
        asset = services.asset_publish(
            principal=principal(info), asset=_asset(info, id), expected_version=expected_version
        )
        return cls(asset=asset, errors=[])


class MediaAssetUnpublish(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        expected_version = graphene.Int()

    asset = graphene.Field(MediaAssetType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, expected_version=None):
        asset = services.asset_unpublish(
            principal=principal(info), asset=_asset(info, id), expected_version=expected_version
        )
        return cls(asset=asset, errors=[])


class MediaAssetDelete(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        expected_version = graphene.Int()

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, expected_version=None):
        services.asset_delete(
            principal=principal(info), asset=_asset(info, id), expected_version=expected_version
        )
        return cls(ok=True, errors=[])


class MediaCollectionInput(graphene.InputObjectType):
    title = graphene.String()
    description = graphene.String()
    visibility = graphene.String(description="public, agencies or agency.")


class MediaCollectionCreate(graphene.Mutation):
    class Arguments:
        agency = graphene.String(description="Owning agency's slug (if you have several).")
        input = MediaCollectionInput(required=True)

    collection = graphene.Field(MediaCollectionType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, input, agency=None):
        owner = services.upload_agency(principal(info), agency)
        collection = services.collection_create(
            principal=principal(info), agency=owner, data=dict(input)
        )
        return cls(collection=collection, errors=[])


class MediaCollectionUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        input = MediaCollectionInput(required=True)
        expected_version = graphene.Int()

    collection = graphene.Field(MediaCollectionType)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, input, expected_version=None):
        collection = services.collection_update(
            principal=principal(info),
            collection=_collection(info, id),
            data=dict(input),
            expected_version=expected_version,
        )
        return cls(collection=collection, errors=[])


class MediaCollectionDelete(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(MutationError), required=True)

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id):
        services.collection_delete(principal=principal(info), collection=_collection(info, id))
        return cls(ok=True, errors=[])


class Mutation(graphene.ObjectType):
    media_asset_update = MediaAssetUpdate.Field()
    media_asset_publish = MediaAssetPublish.Field()
    media_asset_unpublish = MediaAssetUnpublish.Field()
    media_asset_delete = MediaAssetDelete.Field()
    media_collection_create = MediaCollectionCreate.Field()
    media_collection_update = MediaCollectionUpdate.Field()
    media_collection_delete = MediaCollectionDelete.Field()
