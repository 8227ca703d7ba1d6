"""FilterSets of the contact directory, shared by REST list endpoints and GraphQL lists."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.contact_values import CHANNELS
from agencies.contacts.freshness import stale_q
from agencies.contacts.models import ContactPoint, Office, Person, Post
from hub.filters import BooleanFilter, WholeNumberFilter


def _in_region(field: str, code: str) -> Q:
    """`field` is `code` or any region under it."""
    return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})


class OfficeFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    region = django_filters.CharFilter(
        method="filter_region", help_text="offices in this region or any region under it"
    )
    external_id = django_filters.CharFilter()
    q = django_filters.CharFilter(method="filter_q", help_text="name or address")

    class Meta:
        model = Office
        fields = ["agency", "region", "external_id", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(_in_region("region__code", value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))


class PostFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    role = django_filters.MultipleChoiceFilter(choices=Post.Role.choices)
    office = WholeNumberFilter(field_name="office_id")
    external_id = django_filters.CharFilter()
    q = django_filters.CharFilter(field_name="label", lookup_expr="icontains")

    class Meta:
        model = Post
        fields = ["agency", "role", "office", "external_id", "q"]


class PersonFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    consented = BooleanFilter(field_name="consent_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Person
        fields = ["agency", "consented"]


class ContactPointFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    purpose = django_filters.MultipleChoiceFilter(choices=ContactPoint.Purpose.choices)
    channel = django_filters.MultipleChoiceFilter(choices=[(c, c) for c in CHANNELS])
    visibility = django_filters.ChoiceFilter(choices=ContactPoint.Visibility.choices)
    region = django_filters.CharFilter(
        method="filter_region",
        help_text="contacts located in this region or any region under it (kode wilayah)",
    )
    office = WholeNumberFilter(field_name="office_id")
    post = WholeNumberFilter(field_name="post_id")
    role = django_filters.ChoiceFilter(
        field_name="post__role", choices=Post.Role.choices, help_text="role of the contact's post"
    )
    personal = BooleanFilter(field_name="is_personal")
    stale = BooleanFilter(method="filter_stale", help_text="not verified in time")
    current = BooleanFilter(
        method="filter_current", help_text="valid today (valid_from/valid_through)"
    )
    external_id = django_filters.CharFilter()
    q = django_filters.CharFilter(method="filter_q", help_text="label, value, agency, office, post")

    class Meta:
        model = ContactPoint
        fields = [
            "agency",
            "purpose",
            "channel",
            "visibility",
            "region",
            "office",
            "post",
            "role",
            "personal",
            "stale",
            "current",
            "external_id",
            "q",
        ]

    def filter_region(self, queryset, name, value):
        # A contact is where its office is (directly or through its post), else where its
        # agency is.
        located = Coalesce("office__region_id", "post__office__region_id", "agency__region_id")
        return queryset.alias(located_in=located).filter(_in_region("located_in", value))

    def filter_stale(self, queryset, name, value):
        return queryset.filter(stale_q()) if value else queryset.exclude(stale_q())

    def filter_current(self, queryset, name, value):
        today = timezone.localdate()
        current = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
            Q(valid_through__isnull=True) | Q(valid_through__gte=today)
        )
        return queryset.filter(current) if value else queryset.exclude(current)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(label__icontains=value)
            | Q(value__icontains=value)
            | Q(normalized__icontains=value)
            | Q(display__icontains=value)
            | Q(agency__name__icontains=value)
            | Q(agency__acronym__iexact=value)
            | Q(office__name__icontains=value)
            | Q(post__label__icontains=value)
        )
