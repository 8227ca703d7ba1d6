"""Compiled list queries: a list request's SQL is built once, then only executed.

Building a queryset (policy scope, filters, keyset page, ``values()``) and
compiling it to SQL costs more than running the indexed query it produces. For
a resource whose list query is a pure function of who asks and what they ask
(no clock, no lookups while the queryset is built), the compiled statement is
kept per (view, path, principal scope, query string) and every identical
request executes it again. Only the SQL is kept: rows are always read fresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import JSONField, QuerySet


@dataclass(frozen=True)
class CompiledQuery:
    """A ``values()`` queryset as one rendered statement and the names of its columns."""

    using: str
    # The statement with its values rendered in once (Django binds parameters on the
    # client anyway, so this is the text it would send every time); None when the
    # query can match nothing (no round trip needed).
    sql: str | None
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]

    @classmethod
    def of(cls, queryset: QuerySet) -> CompiledQuery:
        """Compile a ``values()`` queryset exactly as iterating it would."""
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(queryset.db, None, _results(queryset, None)[0], ())
        names, converters = _results(queryset, compiler)
        sql = connections[queryset.db].ops.compose_sql(sql, params)
        return cls(queryset.db, sql, names, converters)

    def rows(self) -> list[dict[str, Any]]:
        """Execute the statement: one dict per row, keyed like ``values()``."""
        if self.sql is None:
            return []
        return self._fetch(self.sql, None)

    def _fetch(self, sql: str, params: list | None) -> list[dict[str, Any]]:
        connection = connections[self.using]
        with connection.read_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self._convert(list(row), connection) for row in rows]
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _convert(self, row: list, connection) -> list:
        for position, functions, expression in self.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        return row


@dataclass(frozen=True)
class KeyedQuery(CompiledQuery):
    """A ``values()`` query for one key value (say, one object's pk), compiled once.

    ``of(build)`` compiles ``build(key)`` for two different keys; the one
    parameter that differs is the key's place. The statement keeps its
    placeholders and is executed with the other parameters as compiled and the
    key put in its place (server-side binding: prepared after a few runs).
    """

    params: tuple = ()
    slot: int = 0

    @classmethod
    def of(cls, build: Callable[[Any], QuerySet]) -> KeyedQuery:  # type: ignore[override]
        queryset = build(1)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        other_sql, other_params = build(2).query.get_compiler(using=queryset.db).as_sql()
        same_shape = sql == other_sql and len(params) == len(other_params)
        differ = [
            i for i, (a, b) in enumerate(zip(params, other_params, strict=same_shape)) if a != b
        ]
        if not same_shape or len(differ) != 1:
            raise ValueError("the key must be exactly one parameter of the query")
        names, converters = _results(queryset, compiler)
        return cls(queryset.db, sql, names, converters, tuple(params), differ[0])

    def rows_for(self, key: Any) -> list[dict[str, Any]]:
        """The rows for `key`: what ``build(key)`` would return."""
        params = list(self.params)
        params[self.slot] = key
        return self._fetch(self.sql, params)


def _results(queryset: QuerySet, compiler) -> tuple[tuple[str, ...], tuple]:
    """The column names of a compiled ``values()`` query and its converters by position."""
    query = queryset.query
    # As Django's ValuesIterable names them.
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    if compiler is None:
        return names, ()
    selected = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = tuple(
        (position, tuple(_faster(function) for function in functions), expression)
        for position, (functions, expression) in compiler.get_converters(selected).items()
    )
    return names, converters


def _faster(function: Callable) -> Callable:
    """A converter with the same result, cheaper where one is known."""
    field = getattr(function, "__self__", None)
    if getattr(function, "__func__", None) is JSONField.from_db_value and field.decoder is None:

        def json_value(value, expression, connection):
            if isinstance(value, str):
                try:
                    return orjson.loads(value)
                except orjson.JSONDecodeError:
                    pass  # e.g. an integer beyond 64 bits: the standard decoder takes it
            return function(value, expression, connection)

        return json_value
    return function


class PlanCache:
    """A bounded map of compiled queries, shared by the threads of one process."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._plans: dict[Hashable, CompiledQuery] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._plans)

    def get(self, key: Hashable) -> CompiledQuery | None:
        return self._plans.get(key)

    def put(self, key: Hashable, plan: CompiledQuery) -> None:
        with self._lock:
            if len(self._plans) >= self.size:
                self._plans.clear()  # rare: a crawler walking many cursors
            self._plans[key] = plan

    def __iter__(self):
        """The keys of the plans kept now."""
        return iter(list(self._plans))

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()


plans = PlanCache()
