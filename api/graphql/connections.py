"""The hub's filtered relay connection field.

Same arguments, cursors and results as graphene-django's
``DjangoFilterConnectionField``, with two costs removed from every list:

* filters are applied like REST's (:func:`api.filtering.apply_filters`: one
  template FilterSet per class instead of a fresh form and deep-copied
  filters per request) whenever the FilterSet adds no behaviour of its own;
* paging forward (``first``/``after``, the common case) reads ``first + 1``
  rows to learn whether a next page exists instead of counting every
  matching row first. ``last``/``before``/``offset`` keep the counting path.
"""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphene_django.filter import DjangoFilterConnectionField
from graphene_django.filter.fields import convert_enum
from graphene_django.utils import maybe_queryset
from graphql_relay import connection_from_array_slice, get_offset_with_default
from graphql_relay.utils import unbase64

from api.filtering import apply_filters, plain_filterset
from hub.errors import FieldError, ValidationFailed

PAGING = ("first", "last", "offset")
CURSOR_PREFIX = "arrayconnection:"


def usable_cursor(cursor: str | None) -> bool:
    """Whether `cursor` is absent or one a list gave (``arrayconnection:<offset>``, base64).

    graphql-relay reads any other text as "no cursor" (the first page) and a
    negative offset as a position it cannot slice to.
    """
    if not cursor:
        return True
    text = unbase64(cursor)
    offset = text.removeprefix(CURSOR_PREFIX)
    return text.startswith(CURSOR_PREFIX) and offset.isascii() and offset.isdigit()


def check_cursors(args: dict) -> None:
    """Refuse an `after`/`before` no list gave: 400 ``invalid_cursor``, as REST does."""
    bad = [name for name in ("after", "before") if not usable_cursor(args.get(name))]
    if bad:
        message_id, message_en = "Kursor tidak valid.", "The cursor is not valid."
        raise ValidationFailed(
            message_id,
            message_en,
            code="invalid_cursor",
            errors=[FieldError(name, "invalid_cursor", message_id, message_en) for name in bad],
        )


def refused_filters(form) -> ValidationFailed:
    """A FilterSet form's errors as REST reports them (:func:`api.filtering.apply_filters`)."""
    errors = []
    for name, messages in form.errors.items():
        message = " ".join(messages)
        errors.append(FieldError(name, "invalid_filter", message, message))
    return ValidationFailed(errors=errors)


def check_paging(args: dict, max_limit: int | None) -> None:
    """Refuse paging arguments no page can answer (graphene-django would assert)."""
    problems = [f"`{name}` must not be negative" for name in PAGING if (args.get(name) or 0) < 0]
    if max_limit:
        problems += [
            f"`{name}` may be at most {max_limit}"
            for name in ("first", "last")
            if (args.get(name) or 0) > max_limit
        ]
    if args.get("offset") is not None and args.get("before") is not None:
        problems.append("`offset` and `before` cannot be used together")
    if problems:
        detail = "; ".join(problems)
        raise ValidationFailed(
            f"Argumen halaman tidak valid: {detail}.",
            f"Invalid paging arguments: {detail}.",
            code="invalid_paging",
        )


class HubConnectionField(DjangoFilterConnectionField):
    @classmethod
    def connection_resolver(cls, resolver, connection, default_manager, queryset_resolver,
                            max_limit, enforce_first_or_last, root, info, **args):  # fmt: skip
        check_paging(args, max_limit)
        check_cursors(args)
        return super().connection_resolver(
            resolver,
            connection,
            default_manager,
            queryset_resolver,
            max_limit,
            enforce_first_or_last,
            root,
            info,
            **args,
        )

    @classmethod
    def resolve_queryset(cls, connection, iterable, info, args, filtering_args, filterset_class):
        if "order_by" in filtering_args:
            return super().resolve_queryset(
                connection, iterable, info, args, filtering_args, filterset_class
            )
        queryset = super(DjangoFilterConnectionField, cls).resolve_queryset(
            connection, iterable, info, args
        )
        values = {name: convert_enum(v) for name, v in args.items() if name in filtering_args}
        if plain_filterset(filterset_class):
            return apply_filters(filterset_class, values, queryset)
        # A FilterSet with behaviour of its own runs whole, as graphene-django runs it;
        # invalid values are refused as REST refuses them (graphene-django raises
        # Django's ValidationError, which no caller could tell from a fault).
        filterset = filterset_class(data=values, queryset=queryset, request=info.context)
        if not filterset.is_valid():
            raise refused_filters(filterset.form)
        return filterset.qs

    @classmethod
    def resolve_connection(cls, connection, args, iterable, max_limit=None):
        iterable = maybe_queryset(iterable)
        first = args.get("first", max_limit)
        forward = (
            isinstance(iterable, QuerySet)
            and isinstance(first, int)
            and first >= 0
            and args.get("last") is None
            and args.get("before") is None
            and not args.get("offset")
        )
        if not forward:
            return super().resolve_connection(connection, args, iterable, max_limit)
        start = get_offset_with_default(args.get("after"), -1) + 1
        rows = list(iterable[start : start + first + 1])
        # The rows read end the known result: one row beyond `first` means a next page.
        result = connection_from_array_slice(
            rows,
            {**args, "first": first},
            slice_start=start,
            array_length=start + len(rows),
            array_slice_length=len(rows),
            connection_type=partial(connection_adapter, connection),
            edge_type=connection.Edge,
            page_info_type=page_info_adapter,
        )
        result.iterable = iterable
        return result
