"""The REST base view: list/retrieve through Resources, writes through services.

Every list: policy-scoped queryset → FilterSet → keyset page → one ``values()``
query → orjson. Resources whose list query is pure (``compiled_lists``) build
and compile it once per distinct request and afterwards only execute it
(:mod:`api.plans`). Every response carries an ETag; ``If-None-Match`` answers 304,
``If-Match`` on writes answers 412 when the resource changed meanwhile, checked
in the write's own transaction (:meth:`ResourceViewSet.changing`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import orjson
from django.db import models, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework import viewsets

from agencies.policy import scope_key
from api import lane
from api.errors import problem_response, to_hub_error
from api.filtering import apply_filters
from api.pagination import encode_cursor, paginate, parse_limit
from api.plans import CompiledQuery, plans
from api.renderers import JSONRenderer
from api.resources import Resource
from hub.errors import NotFound, PreconditionFailed, ValidationFailed


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


def plain_view(view):
    """A plain Django GET view (files, feeds, JWKS, the front page) that answers like the API.

    Only GET and HEAD (anything else: 405 problem+json); failures the hub knows
    answer problem+json. It changes nothing, so no CSRF check stands before
    the 405 a POST deserves.
    """

    @csrf_exempt
    @require_safe
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Exception as exc:
            error = to_hub_error(exc)
            if error is None:
                raise
            return problem_response(error, request)

    return wrapped


class ResourceViewSet(viewsets.ViewSet):
    """Base for every REST resource. Subclasses declare what, services do the writing."""

    resource: Resource
    model: type[models.Model]
    filterset_class = None
    ordering: tuple[str, ...] = ("id",)
    lookup_field = "pk"
    anonymous_read = False
    # True when get_queryset() and filter_queryset() depend only on the principal's
    # scope and the query string: no clock, no queries while building. Such lists
    # reuse their compiled SQL (see api.plans).
    compiled_lists = False
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        failure = lane.earlier_failure(request)
        if failure is not None:
            raise failure  # the database failure the read lane already waited out
        super().initial(request, *args, **kwargs)

    # -- reading -----------------------------------------------------------------

    def get_queryset(self):
        """The rows this request's principal may see (subclasses apply the policy)."""
        raise NotImplementedError

    def filter_queryset(self, queryset):
        if self.filterset_class is None:
            return queryset
        return apply_filters(self.filterset_class, self.request.GET, queryset)

    def _shape(self) -> tuple[list[str], list[str]]:
        params = self.request.GET
        return (
            self.resource.parse_fields(params.get("fields")),
            self.resource.parse_expand(params.get("expand")),
        )

    def respond(self, data: Any, status: int = 200, headers: dict | None = None) -> HttpResponse:
        """JSON response with an ETag; 304 when the caller already has this representation."""
        body = orjson.dumps(data, default=str)
        etag = etag_for(body)
        inm = self.request.headers.get("If-None-Match")
        if status == 200 and inm and _matches(inm, etag):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, status=status, content_type="application/json")
        response["ETag"] = etag
        response["Vary"] = "Accept, Accept-Language, Authorization, Cookie"
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    def list_columns(self, fields: list[str], expand: list[str]) -> list[str]:
        """The ``values()`` columns a page of this shape reads."""
        return self.resource.columns(fields, expand)

    def render_list(self, rows: list[dict], fields: list[str], expand: list[str]) -> list[dict]:
        """A page's rows as the API renders them."""
        return self.resource.render_rows(rows, fields, expand)

    def list_query(self, fields: list[str], expand: list[str], limit: int) -> CompiledQuery:
        """This request's page as SQL: compiled once per distinct request when pure."""
        key = None
        if self.compiled_lists:
            request = self.request
            query = tuple((name, tuple(values)) for name, values in request.GET.lists())
            scope = scope_key(request.user)
            key = (type(self), request.path, scope, query)
            lane.offer_list(request, self, scope)
            compiled = plans.get(key)
            if compiled is not None:
                return compiled
        queryset = paginate(
            self.filter_queryset(self.get_queryset()),
            ordering=self.ordering,
            cursor=self.request.GET.get("cursor"),
            limit=limit,
        )
        columns = self.list_columns(fields, expand)
        compiled = CompiledQuery.of(queryset.values(*dict.fromkeys([*columns, *self.ordering])))
        if key is not None:
            plans.put(key, compiled)
        return compiled

    def list(self, request, *args, **kwargs):
        fields, expand = self._shape()
        limit = parse_limit(request.GET.get("limit"), 25)
        rows = self.list_query(fields, expand, limit).rows()
        next_url = None
        if len(rows) > limit:
            rows = rows[:limit]
            params = request.GET.copy()
            params["cursor"] = encode_cursor([rows[-1][name] for name in self.ordering])
            next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
        return self.respond({"results": self.render_list(rows, fields, expand), "next": next_url})

    def get_object(self, queryset=None) -> models.Model:
        queryset = self.get_queryset() if queryset is None else queryset
        value = self.kwargs[self.lookup_field]
        try:
            return queryset.get(**{self.lookup_field: value})
        except (self.model.DoesNotExist, ValueError):
            raise NotFound() from None

    def represent(self, obj: models.Model, *, default: bool = False) -> dict[str, Any]:
        """One object as the API renders it (the default shape when `default`)."""
        fields, expand = (self.resource.field_names, []) if default else self._shape()
        queryset = self.model._default_manager.filter(pk=obj.pk)
        rows = self.resource.render(queryset, fields=fields, expand=expand)
        if not rows:
            raise NotFound()
        return rows[0]

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.respond(self.represent(obj))

    # -- writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def changing(self) -> Iterator[models.Model]:
        """The object this write changes; the service call that changes it goes in the block.

        With ``If-Match``, the object's row is locked before its representation
        is compared, and the block runs in the same transaction: a concurrent
        change either commits first, and the condition fails (412), or waits
        for this one. Two clients holding the same ETag cannot both write.
        """
        if not self.request.headers.get("If-Match"):
            yield self.get_object()
            return
        with transaction.atomic():
            found = self.get_object()
            type(found)._base_manager.select_for_update().filter(pk=found.pk).order_by().exists()
            obj = self.get_object()  # as committed before the lock was granted
            self.check_if_match(obj)
            yield obj

    def check_if_match(self, obj: models.Model) -> None:
        """412 when ``If-Match`` names a representation other than the current one."""
        header = self.request.headers.get("If-Match")
        if not header:
            return
        current = etag_for(orjson.dumps(self.represent(obj, default=True), default=str))
        if not _matches(header, current):
            raise PreconditionFailed(extra={"current_etag": current})

    def created(
        self, obj: models.Model, headers: dict | None = None, data: dict | None = None
    ) -> HttpResponse:
        """201 with the new object's representation (`data` when already rendered)."""
        location = self.request.build_absolute_uri(
            f"{self.request.path.rstrip('/')}/{getattr(obj, self.lookup_field)}/"
        )
        return self.respond(
            self.represent(obj) if data is None else data,
            status=201,
            headers={"Location": location, **(headers or {})},
        )

    def body(self) -> dict[str, Any]:
        data = self.request.data
        if not isinstance(data, dict):
            raise ValidationFailed(
                "Isi permintaan harus berupa objek JSON.", "The body must be a JSON object."
            )
        return data
