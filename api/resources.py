"""Declarative read representations: one ``values()`` query per page, no per-row queries.

A :class:`Resource` names the output fields of a model and the ORM paths they
come from. Expansions (``?expand=region``) add the related object's columns to
the SAME query through a join, so a page costs the same number of queries at 5
rows and at 500. Sparse fieldsets (``?fields=``) shrink the SELECT list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from hub.errors import FieldError, ValidationFailed


@dataclass(frozen=True)
class Expansion:
    """A related object rendered inline: output name → ORM path under ``prefix``."""

    prefix: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Resource:
    """How a model is rendered to API callers.

    ``fields`` maps output names to ORM paths; ``expansions`` replace a field's
    plain value with a nested object; ``computed`` derive a value from the row
    (given the ORM paths they need in ``computed_needs``).
    """

    name: str
    fields: dict[str, str]
    expansions: dict[str, Expansion] = field(default_factory=dict)
    computed: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    computed_needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def field_names(self) -> list[str]:
        return [*self.fields, *self.computed]

    def parse_fields(self, raw: str | None) -> list[str]:
        if not raw:
            return self.field_names
        wanted = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in self.field_names]
        if unknown:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "fields",
                        "unknown_field",
                        f"Kolom tidak dikenal: {', '.join(unknown)}.",
                        f"Unknown fields: {', '.join(unknown)}.",
                    )
                ]
            )
        return wanted

    def parse_expand(self, raw: str | None) -> list[str]:
        if not raw:
            return []
        wanted = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in self.expansions]
        if unknown:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "expand",
                        "unknown_expansion",
                        f"Relasi tidak dapat diperluas: {', '.join(unknown)}.",
                        f"Cannot expand: {', '.join(unknown)}.",
                    )
                ]
            )
        return wanted

    def columns(self, fields: Iterable[str], expand: Iterable[str]) -> list[str]:
        """The ORM paths a ``values()`` query must select for this rendering."""
        cols: list[str] = []
        for name in fields:
            if name in self.fields:
                cols.append(self.fields[name])
            else:
                cols.extend(self.computed_needs.get(name, ()))
        for name in expand:
            exp = self.expansions[name]
            cols.extend(f"{exp.prefix}__{path}" for path in exp.fields.values())
        return list(dict.fromkeys(cols))

    def render_rows(
        self, rows: Iterable[dict], fields: list[str], expand: list[str]
    ) -> list[dict[str, Any]]:
        """Shape flat ``values()`` rows into API objects."""
        out = []
        plain = [(name, self.fields[name]) for name in fields if name in self.fields]
        derived = [(name, self.computed[name]) for name in fields if name in self.computed]
        expansions = [(name, self.expansions[name]) for name in expand]
        for row in rows:
            item = {name: row[path] for name, path in plain}
            for name, fn in derived:
                item[name] = fn(row)
            for name, exp in expansions:
                nested = {key: row[f"{exp.prefix}__{path}"] for key, path in exp.fields.items()}
                item[name] = None if all(v is None for v in nested.values()) else nested
            out.append(item)
        return out

    def render(
        self, queryset: QuerySet, *, fields: list[str] | None = None, expand: list[str] = ()
    ) -> list[dict[str, Any]]:
        fields = fields or self.field_names
        expand = list(expand)
        rows = queryset.values(*self.columns(fields, expand))
        return self.render_rows(rows, fields, expand)
