"""FilterSets shared by REST list endpoints and GraphQL list fields (defined once)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from agencies.models import Agency, ApiClient, ApiKey, Membership, Region, SyncState, search_key
from hub.filters import BooleanFilter, WholeNumberFilter


class RegionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", help_text="direct children of")
    within = django_filters.CharFilter(method="filter_within", help_text="all descendants of")
    level = WholeNumberFilter()
    kind = django_filters.ChoiceFilter(choices=Region.Kind.choices)
    q = django_filters.CharFilter(method="filter_q", help_text="name, case/accent-insensitive")

    class Meta:
        model = Region
        fields = ["parent", "within", "level", "kind", "q"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(code__startswith=f"{value}.")

    def filter_q(self, queryset, name, value):
        return queryset.filter(name_key__contains=search_key(value))


class AgencyFilterSet(django_filters.FilterSet):
    type = django_filters.MultipleChoiceFilter(choices=Agency.Type.choices)
    status = django_filters.ChoiceFilter(choices=Agency.Status.choices)
    parent = django_filters.CharFilter(field_name="parent__slug")
    region = django_filters.CharFilter(
        method="filter_region", help_text="agencies in this region or any region under it"
    )
    q = django_filters.CharFilter(method="filter_q", help_text="name, acronym or slug")

    class Meta:
        model = Agency
        fields = ["type", "status", "parent", "region", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(Q(region_id=value) | Q(region__code__startswith=f"{value}."))

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(acronym__iexact=value) | Q(slug__icontains=value)
        )


class MembershipFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    role = django_filters.ChoiceFilter(choices=Membership.Role.choices)
    user = WholeNumberFilter(field_name="user_id")

    class Meta:
        model = Membership
        fields = ["agency", "role", "user"]


class ApiKeyFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    active = BooleanFilter(field_name="revoked_at", lookup_expr="isnull")

    class Meta:
        model = ApiKey
        fields = ["agency", "active"]


class ApiClientFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    active = BooleanFilter(field_name="revoked_at", lookup_expr="isnull")
    sync_state = django_filters.ChoiceFilter(choices=SyncState.choices)

    class Meta:
        model = ApiClient
        fields = ["agency", "active", "sync_state"]
