"""FilterSets of the facts app, shared by REST list endpoints, GraphQL list fields, the
Atom feeds and search (each filter is defined once)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.db.models.functions import Now

from agencies.models import Region
from hub.facts.models import Bulletin, Claim, Clarification
from hub.facts.vocab import EVENT_CHOICES, CapStatus, MisinformationType, MsgType, Scope
from hub.filters import BooleanFilter, WholeNumberFilter


def within_region(prefix: str, code: str) -> Q:
    """Items tagged with `code` or any region under it (an indexed containment test)."""
    return Q(**{f"{prefix}region_scope__contains": [code]})


def touching_region(code: str) -> Q:
    """Items whose areas lie in, contain, or lie under `code`: ancestor or descendant matches."""
    return Q(region_scope__contains=[code]) | Q(
        region_codes__overlap=[*Region.ancestor_codes(code), code]
    )


def hide_withdrawn(queryset, params):
    """Lists leave withdrawn items out unless a ``status`` is asked for.

    A withdrawn clarification or bulletin is a tombstone: reached by its id
    (410), or listed on request, never mixed into ordinary lists.
    """
    if params is not None and params.get("status"):
        return queryset
    return queryset.exclude(status="withdrawn")


class ClaimFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    topic = django_filters.CharFilter(method="filter_topic", help_text="claims with this topic")
    region = django_filters.CharFilter(
        method="filter_region", help_text="claims about this region or any region under it"
    )
    first_seen_after = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="gte")
    first_seen_before = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="lt")

    class Meta:
        model = Claim
        fields = ["agency", "topic", "region", "first_seen_after", "first_seen_before"]

    def filter_topic(self, queryset, name, value):
        return queryset.filter(topics__contains=[value.lower()])

    def filter_region(self, queryset, name, value):
        return queryset.filter(within_region("", value))


class ClarificationFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    claim = WholeNumberFilter(field_name="claim_id")
    verdict = django_filters.CharFilter(
        method="filter_verdict", help_text="verdict code; several separated by commas"
    )
    misinformation_type = django_filters.ChoiceFilter(
        field_name="head__misinformation_type", choices=MisinformationType.choices
    )
    topic = django_filters.CharFilter(method="filter_topic", help_text="the claim's topic")
    region = django_filters.CharFilter(
        method="filter_region", help_text="about this region or any region under it"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Clarification.Status.choices,
        help_text="default: everything but withdrawn",
    )
    published_after = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")

    class Meta:
        model = Clarification
        fields = [
            "agency",
            "claim",
            "verdict",
            "misinformation_type",
            "topic",
            "region",
            "status",
            "published_after",
            "published_before",
        ]

    @property
    def qs(self):
        return hide_withdrawn(super().qs, self.data)

    def filter_verdict(self, queryset, name, value):
        codes = [code.strip() for code in value.split(",") if code.strip()]
        return queryset.filter(head__verdict_id__in=codes)

    def filter_topic(self, queryset, name, value):
        return queryset.filter(claim__topics__contains=[value.lower()])

    def filter_region(self, queryset, name, value):
        return queryset.filter(within_region("claim__", value))


class BulletinFilterSet(django_filters.FilterSet):
    agency = django_filters.CharFilter(field_name="agency__slug")
    region = django_filters.CharFilter(
        method="filter_region",
        help_text="bulletins whose areas are in, above or under this region",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Bulletin.Status.choices, help_text="default: everything but withdrawn"
    )
    cap_status = django_filters.ChoiceFilter(choices=CapStatus.choices)
    msg_type = django_filters.ChoiceFilter(choices=MsgType.choices)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    event = django_filters.ChoiceFilter(choices=EVENT_CHOICES)
    active = BooleanFilter(
        method="filter_active",
        help_text="in force now: published, Actual, not a Cancel, not expired",
    )
    sent_after = django_filters.IsoDateTimeFilter(field_name="sent", lookup_expr="gte")
    sent_before = django_filters.IsoDateTimeFilter(field_name="sent", lookup_expr="lt")

    class Meta:
        model = Bulletin
        fields = [
            "agency",
            "region",
            "status",
            "cap_status",
            "msg_type",
            "scope",
            "event",
            "active",
            "sent_after",
            "sent_before",
        ]

    @property
    def qs(self):
        return hide_withdrawn(super().qs, self.data)

    def filter_region(self, queryset, name, value):
        return queryset.filter(touching_region(value))

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        # The database's clock, when the statement runs: a compiled list stays right.
        condition = active_bulletins(Now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


def active_bulletins(now) -> Q:
    """Bulletins in force at `now` (a time, or ``Now()`` for the database's clock):
    published real alerts and updates not yet expired.

    Evaluated at query time, so a bulletin leaves the active set by itself the
    moment it expires; superseded and cancelled messages are no longer active.
    Nor is a Cancel: it warns of nothing, it ends the messages it references
    (they become ``cancelled`` when it is published).
    """
    return (
        Q(status=Bulletin.Status.PUBLISHED, cap_status=CapStatus.ACTUAL)
        & ~Q(msg_type=MsgType.CANCEL)
        & (Q(expires__isnull=True) | Q(expires__gt=now))
    )
