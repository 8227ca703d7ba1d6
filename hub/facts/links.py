"""Where published facts point people: related clarifications and the area's hotlines.

The contact directory (``agencies.contacts``) answers "which public hotline
serves this region?". It is looked up lazily: when that app is not installed or
knows no hotline for the region, the bulletin falls back to the issuing
agency's website, so a bulletin always says where to turn.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps

from agencies.models import Agency
from hub.errors import HubError
from hub.facts import documents
from hub.facts.models import CLARIFICATION_PUBLISHED, Clarification


def _hotline_lookup():
    """The contact directory's hotline lookup, or None when it is not available."""
    if not apps.is_installed("agencies.contacts"):
        return None
    try:
        module = importlib.import_module("agencies.contacts.selectors")
    except ImportError:
        return None
    return getattr(module, "hotline_lookup", None)


def area_hotlines(region_code: str) -> list[dict[str, Any]]:
    """Public hotlines nearest to `region_code` (empty when none is known)."""
    lookup = _hotline_lookup()
    if lookup is None:
        return []
    try:
        match = lookup(region_code=region_code)
    except HubError:
        return []
    return [
        {
            "agency": contact.agency.slug,
            "label": contact.label or contact.agency.name,
            "channel": contact.channel,
            "value": contact.display or contact.value,
            "purpose": contact.purpose,
        }
        for contact in match.contacts
    ]


def contact_text(agency: Agency, region_codes: list[str]) -> str:
    """A CAP ``contact`` line: the area's first hotline, else the agency's website."""
    for code in region_codes:
        hotlines = area_hotlines(code)
        if hotlines:
            first = hotlines[0]
            return f"{first['label']}: {first['value']}"[:300]
    if agency.website:
        return f"{agency.name}: {agency.website}"[:300]
    return agency.name[:300]


def related_refs(ids: list[int]) -> list[dict[str, Any]]:
    """Links to the published clarifications among `ids`, in the given order."""
    rows = Clarification.objects.filter(pk__in=ids, status__in=CLARIFICATION_PUBLISHED).values(
        "pk", "head__title", "head__verdict__title_prefix"
    )
    titles = {
        row["pk"]: documents.headline(row["head__verdict__title_prefix"], row["head__title"])
        for row in rows
    }
    return [
        {"id": pk, "url": documents.clarification_url(pk), "title": titles[pk]}
        for pk in ids
        if pk in titles
    ]


def bulletin_links(bulletin) -> dict[str, list[dict[str, Any]]]:
    """A bulletin's related clarifications and the official hotlines of its areas.

    Without a hotline in the contact directory, the issuing agency's website is
    given instead, so there is always somewhere to turn.
    """
    hotlines: list[dict[str, Any]] = []
    for code in bulletin.region_codes:
        for hotline in area_hotlines(code):
            if hotline not in hotlines:
                hotlines.append(hotline)
    if not hotlines and bulletin.agency.website:
        hotlines.append(
            {
                "agency": bulletin.agency.slug,
                "label": bulletin.agency.name,
                "channel": "web",
                "value": bulletin.agency.website,
                "purpose": "general",
            }
        )
    return {
        "clarifications": related_refs(bulletin.related_clarification_ids),
        "hotlines": hotlines,
    }
