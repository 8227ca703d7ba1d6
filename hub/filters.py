"""Filter types the domain FilterSets share: values that do not fit are refused, not ignored.

django-filter reads ``?stale=yes`` as "no filter" (the whole list comes back)
and ``?office=1.5`` as office 1. A caller who misspelt a filter must learn it
from a 400 ``invalid_filter``, not from a list that looks filtered.
"""

from __future__ import annotations

import django_filters
from django import forms


class _TrueOrFalse(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); nothing given means no filter; anything else refused."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None and value not in (None, ""):
            raise forms.ValidationError(
                forms.ChoiceField.default_error_messages["invalid_choice"], params={"value": value}
            )
        return result


class BooleanFilter(django_filters.BooleanFilter):
    field_class = _TrueOrFalse


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number: an id or a level."""

    field_class = forms.IntegerField
