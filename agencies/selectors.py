"""Reads of the agencies app that are more than a queryset."""

from __future__ import annotations

from typing import Any

from agencies.models import Agency
from agencies.policy import Principal


def whoami(principal: Principal) -> dict[str, Any]:
    """The caller as the hub sees it: kind, agencies (with roles for people), scopes.

    What an integrator checks first when the hub refuses something: which
    agency the credential speaks for and what it may do there.
    """
    agencies = Agency.objects.filter(pk__in=principal.agency_ids).order_by("slug")
    return {
        "kind": principal.kind,
        "label": principal.label,
        "platform_admin": principal.is_platform_admin,
        # People act through their roles; systems through their scopes.
        "scopes": None if principal.scopes is None else sorted(principal.scopes),
        "agencies": [
            {
                "slug": agency.slug,
                "name": agency.name,
                "roles": sorted(principal.roles[agency.pk]) if principal.kind == "user" else None,
            }
            for agency in agencies.only("pk", "slug", "name")
        ],
    }
