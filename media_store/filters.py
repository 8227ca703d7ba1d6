"""FilterSets shared by the REST list endpoints and the GraphQL list fields (defined once)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from hub.filters import BooleanFilter
from media_store.models import Collection, MediaAsset


class MediaAssetFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug", help_text="owning agency's slug")
    kind = django_filters.MultipleChoiceFilter(choices=MediaAsset.Kind.choices)
    status = django_filters.ChoiceFilter(choices=MediaAsset.Status.choices)
    visibility = django_filters.ChoiceFilter(choices=MediaAsset.Visibility.choices)
    tag = django_filters.CharFilter(method="filter_tag", help_text="has this tag")
    collection = django_filters.CharFilter(
        method="filter_collection", help_text="in this collection (id)"
    )
    language = django_filters.CharFilter()
    published = BooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)
    sha256 = django_filters.CharFilter(method="filter_sha256")
    q = django_filters.CharFilter(method="filter_q", help_text="text in title or description")

    class Meta:
        model = MediaAsset
        fields = [
            "agency",
            "kind",
            "status",
            "visibility",
            "tag",
            "collection",
            "language",
            "published",
            "sha256",
            "q",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])

    def filter_collection(self, queryset, name, value):
        if not str(value).isdigit():
            return queryset.none()
        membership = MediaAsset.collections.through.objects.filter(
            mediaasset_id=OuterRef("pk"), collection_id=value
        )
        return queryset.filter(Exists(membership))

    def filter_sha256(self, queryset, name, value):
        return queryset.filter(sha256=value.strip().lower())

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class CollectionFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    visibility = django_filters.ChoiceFilter(choices=Collection.Visibility.choices)
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = Collection
        fields = ["agency", "visibility", "q"]
