"""Applying a FilterSet's filters: the same filters, fields and validation for REST and GraphQL.

``filterset.qs`` builds a form and deep-copies every filter on each request:
the read path's largest per-request cost otherwise. :func:`apply_filters`
cleans each given value with the filter's own form field and applies the
filter to the queryset, using one FilterSet instance per class as a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from hub.errors import FieldError, ValidationFailed

_templates: dict[type, django_filters.FilterSet] = {}


def plain_filterset(filterset_class: type[django_filters.FilterSet]) -> bool:
    """True when the FilterSet adds nothing to its filters (no own ``qs``/``filter_queryset``)."""
    base = django_filters.FilterSet
    return filterset_class.qs is base.qs and (
        filterset_class.filter_queryset is base.filter_queryset
    )


def apply_filters(filterset_class, params: Mapping[str, Any], queryset: QuerySet) -> QuerySet:
    """Apply the filters of `filterset_class` named in `params` to `queryset`.

    `params` is a QueryDict (REST) or a dict of GraphQL arguments, where a
    multiple-choice filter's value is already a list. Invalid values raise one
    ValidationFailed naming every bad filter (code ``invalid_filter``).
    """
    template = _templates.get(filterset_class)
    if template is None:
        template = _templates[filterset_class] = filterset_class(queryset=queryset)
    errors = []
    for name, flt in template.filters.items():
        if name not in params:
            continue
        field = flt.field
        raw = params[name]
        if isinstance(field, forms.MultipleChoiceField) and hasattr(params, "getlist"):
            raw = params.getlist(name)
        try:
            value = field.clean(raw)
        except forms.ValidationError as exc:
            message = " ".join(exc.messages)
            errors.append(FieldError(name, "invalid_filter", message, message))
            continue
        queryset = flt.filter(queryset, value)
    if errors:
        raise ValidationFailed(errors=errors)
    return queryset
