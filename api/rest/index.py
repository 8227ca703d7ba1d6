"""Where a caller starts: the API's index (``/api/v1/``) and the hub's front page (``/``).

The index lists every resource list of the router and every document the hub
publishes as absolute links, so an agency's engineer (or a client library)
finds the API from its root instead of from a copy of the documentation. The
front page says the same to a person with a browser, in Bahasa Indonesia.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from api.views import ResourceViewSet, plain_view

# Documents the hub publishes besides its resources: (name, URL name).
DOCUMENTS = (
    ("openapi", "schema"),
    ("docs", "api-docs"),
    ("graphql", "graphql"),
    ("clarifications_feed", "clarifications-feed"),
    ("cap_feed", "cap-feed"),
    ("jwks", "jwks"),
    ("readiness", "readyz"),
)
# Links with a part the caller fills in: (name, URL name, URL kwargs, query).
TEMPLATES = (
    ("directory", "directory-detail", {"slug": "{agency}"}, ""),
    ("hotlines", "hotlines", {}, "?region={region}"),
    ("claim_lookup", "claim-lookup", {}, "?url={url}"),
    ("search", "search", {}, "?q={words}"),
)


def _name(prefix: str) -> str:
    return prefix.replace("/", "_").replace("-", "_")


def _template(url: str) -> str:
    """A reversed URL with its ``{part}`` placeholders as written (reverse quotes braces)."""
    return url.replace("%7B", "{").replace("%7D", "}")


def resource_lists(registry) -> tuple[tuple[str, str], ...]:
    """(name, URL name) of every router resource that can be listed."""
    return tuple(
        (_name(prefix), f"{basename}-list")
        for prefix, viewset, basename in registry
        if hasattr(viewset, "list")
    )


class ApiIndex(serializers.Serializer):
    name = serializers.CharField()
    api_version = serializers.CharField()
    resources = serializers.DictField(child=serializers.URLField(), help_text="lists by name")
    documents = serializers.DictField(child=serializers.URLField())
    templates = serializers.DictField(
        child=serializers.CharField(), help_text="links with a {part} to fill in (RFC 6570)"
    )


class ApiIndexViewSet(ResourceViewSet):
    """The API's entry point: where every resource and document is."""

    anonymous_read = True
    resources: tuple[tuple[str, str], ...] = ()  # (name, URL name), given by api.urls

    @extend_schema(
        operation_id="api_index",
        summary="Index: every resource list and document of the API",
        responses=ApiIndex,
    )
    def retrieve(self, request, *args, **kwargs):
        link = request.build_absolute_uri
        resources = {name: link(reverse(url_name)) for name, url_name in self.resources}
        resources["me"] = link(reverse("me"))
        return self.respond(
            {
                "name": "Simpul",
                "api_version": "v1",
                "resources": resources,
                "documents": {name: link(reverse(url_name)) for name, url_name in DOCUMENTS},
                "templates": {
                    name: _template(link(reverse(url_name, kwargs=kwargs))) + query
                    for name, url_name, kwargs, query in TEMPLATES
                },
            }
        )


@plain_view
def front_page(request):
    """The hub's front page for a person: what Simpul is and where each part of it is."""
    return render(request, "api/index.html", {"api": reverse("api-index")})
