"""Keyset (cursor) pagination: stable while rows are inserted, cheap at any depth."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import orjson
from django.db.models import Q, QuerySet
from rest_framework.pagination import BasePagination

from hub.errors import FieldError, ValidationFailed

MAX_LIMIT = 200


def _invalid(field: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(field, "invalid_" + field, message_id, message_en)])


def parse_limit(raw: str | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid("limit", "Batas harus berupa angka.", "limit must be a number.") from None
    if not 1 <= value <= MAX_LIMIT:
        raise _invalid(
            "limit", f"Batas harus 1–{MAX_LIMIT}.", f"limit must be between 1 and {MAX_LIMIT}."
        )
    return value


def encode_cursor(values: Sequence) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values), default=str)).decode().rstrip("=")


def decode_cursor(raw: str, size: int) -> list:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError):
        raise _invalid("cursor", "Kursor tidak valid.", "The cursor is not valid.") from None
    if not isinstance(values, list) or len(values) != size:
        raise _invalid("cursor", "Kursor tidak valid.", "The cursor is not valid.")
    return values


def after(queryset: QuerySet, ordering: Sequence[str], values: Sequence) -> QuerySet:
    """Rows strictly after `values` in `ordering` (all ascending)."""
    condition = Q()
    for index, name in enumerate(ordering):
        step = Q(**{f"{name}__gt": values[index]})
        for previous, value in zip(ordering[:index], values[:index], strict=True):
            step &= Q(**{previous: value})
        condition |= step
    return queryset.filter(condition)


def paginate(
    queryset: QuerySet, *, ordering: Sequence[str], cursor: str | None, limit: int
) -> tuple[QuerySet, callable]:
    """Apply a cursor page to `queryset`.

    Returns the page's queryset (``limit + 1`` rows, ordered) and a function that,
    given the rendered ORM rows' ordering values, builds the next cursor.
    """
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = after(queryset, ordering, decode_cursor(cursor, len(ordering)))
    return queryset[: limit + 1]


class CursorPagination(BasePagination):
    """Marker for the schema: list endpoints take ``cursor`` and ``limit``."""

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Opaque cursor from the previous page's `next`.",
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                "description": "Page size.",
            },
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
