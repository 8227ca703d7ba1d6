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

from api.filtering import apply_filters, plain_filterset
from hub.errors import ValidationFailed

PAGING = ("first", "last", "offset")


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
        if not plain_filterset(filterset_class) or "order_by" in filtering_args:
            return super().resolve_queryset(
                connection, iterable, info, args, filtering_args, filterset_class
            )
        queryset = super(DjangoFilterConnectionField, cls).resolve_queryset(
            connection, iterable, info, args
        )
        values = {name: convert_enum(v) for name, v in args.items() if name in filtering_args}
        return apply_filters(filterset_class, values, queryset)

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
