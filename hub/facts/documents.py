"""Public representations of published facts: the signed JSON documents, schema.org
ClaimReview JSON-LD, and the CAP 1.2 alert a bulletin becomes.

A published version's document is built once, at publication, stored beside the
version and signed; every later export (JSON-LD, Atom entries, verification) is
derived from that stored document, so what readers get always matches what the
hub signed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from agencies.models import Agency
from hub.cap.xml import (
    cap_datetime as _cap_datetime,
)
from hub.cap.xml import (
    circle_to_cap,
    polygon_to_cap,
    province_utc_offset,
)
from hub.facts.vocab import EVENTS

CLAIMREVIEW_BEST, CLAIMREVIEW_WORST = 5, 1


def iso(value: datetime | None) -> str | None:
    """A JSON time: ISO 8601 in UTC, whole seconds (stable under canonicalisation)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def clarification_url(pk: int) -> str:
    return f"{settings.HUB_PUBLIC_URL}/api/v1/clarifications/{pk}/"


def claim_url(pk: int) -> str:
    return f"{settings.HUB_PUBLIC_URL}/api/v1/claims/{pk}/"


def clarification_version_url(pk: int, number: int) -> str:
    return f"{settings.HUB_PUBLIC_URL}/api/v1/clarifications/{pk}/versions/{number}/"


def bulletin_url(pk: int) -> str:
    return f"{settings.HUB_PUBLIC_URL}/api/v1/bulletins/{pk}/"


def cap_url(identifier: str) -> str:
    return f"{settings.HUB_PUBLIC_URL}/cap/alerts/{identifier}.xml"


def agency_ref(agency: Agency) -> dict[str, Any]:
    return {
        "slug": agency.slug,
        "name": agency.name,
        "acronym": agency.acronym or None,
        "url": agency.website or None,
    }


def verdict_ref(verdict) -> dict[str, Any]:
    """The verdict as published: labels are copied so later label edits leave it intact."""
    return {
        "code": verdict.code,
        "label": verdict.label,
        "label_en": verdict.label_en,
        "title_prefix": verdict.title_prefix,
        "rating": verdict.rating,
        "alternate_name": verdict.alternate_name,
        "alternate_name_en": verdict.alternate_name_en,
        "is_rating": verdict.is_rating,
    }


def headline(prefix: str, title: str) -> str:
    return f"{prefix} {title}".strip()


def appearance_ref(appearance) -> dict[str, Any]:
    return {
        "url": appearance.url,
        "platform": appearance.platform,
        "posted_at": iso(appearance.posted_at),
        "observed_at": iso(appearance.observed_at),
        "is_first": appearance.is_first,
        "screenshot": appearance.screenshot,
    }


def claim_ref(claim, appearances) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "text": claim.text,
        "summary": claim.summary,
        "claimant": claim.claimant or None,
        "first_seen": iso(claim.first_seen),
        "topics": list(claim.topics),
        "regions": list(claim.regions),
        "language": claim.language,
        "appearances": [appearance_ref(item) for item in appearances],
    }


def clarification_document(
    *,
    clarification,
    version,
    claim,
    appearances,
    related: list[dict[str, Any]],
    first_published_at: datetime,
    published_at: datetime,
) -> dict[str, Any]:
    """The public representation of one published version: what the hub signs."""
    verdict = version.verdict
    return {
        "type": "clarification",
        "id": clarification.pk,
        "version": version.number,
        "url": clarification_url(clarification.pk),
        "version_url": clarification_version_url(clarification.pk, version.number),
        "agency": agency_ref(clarification.agency),
        "title": version.title,
        "headline": headline(verdict.title_prefix, version.title),
        "verdict": verdict_ref(verdict),
        "misinformation_type": version.misinformation_type or None,
        "rating_explanation": version.rating_explanation or None,
        "body": version.body,
        "conclusion": version.conclusion,
        "sources": version.sources,
        "references": version.references,
        "evidence": version.evidence,
        "related": related,
        "language": version.language,
        "correction_note": version.correction_note or None,
        "claim": claim_ref(claim, appearances),
        "first_published_at": iso(first_published_at),
        "published_at": iso(published_at),
    }


def _creative_work(appearance: dict[str, Any]) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": appearance["url"]}
    if appearance.get("posted_at"):
        work["datePublished"] = appearance["posted_at"]
    return work


def claimreview_jsonld(document: dict[str, Any]) -> dict[str, Any]:
    """schema.org ClaimReview of a published clarification document.

    Carries the fields Google's fact-check markup requires and recommends:
    ``claimReviewed``, ``reviewRating`` (``ratingValue``, ``bestRating``,
    ``worstRating``, ``alternateName``), ``url``, ``author`` (the agency as a
    ``GovernmentOrganization``), ``datePublished``, ``dateModified``,
    ``inLanguage`` and ``itemReviewed`` — a ``Claim`` with its ``appearance``
    list and ``firstAppearance``.
    """
    verdict = document["verdict"]
    claim = document["claim"]
    language = document["language"]
    english = language.lower().startswith("en")
    appearances = claim["appearances"]
    first = next((item for item in appearances if item["is_first"]), None)
    if first is None and appearances:
        dated = [item for item in appearances if item.get("posted_at")]
        first = min(dated, key=lambda item: item["posted_at"]) if dated else appearances[0]
    item: dict[str, Any] = {
        "@type": "Claim",
        "text": claim["text"],
        "inLanguage": claim["language"],
        "appearance": [_creative_work(a) for a in appearances],
    }
    if first is not None:
        item["firstAppearance"] = _creative_work(first)
    if claim.get("first_seen"):
        item["datePublished"] = claim["first_seen"]
    if claim.get("claimant"):
        item["author"] = {"@type": "Organization", "name": claim["claimant"]}
    agency = document["agency"]
    author: dict[str, Any] = {"@type": "GovernmentOrganization", "name": agency["name"]}
    if agency.get("acronym"):
        author["alternateName"] = agency["acronym"]
    if agency.get("url"):
        author["url"] = agency["url"]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "@id": document["version_url"],
        "url": document["url"],
        "name": document["headline"],
        "headline": document["headline"],
        "claimReviewed": claim["summary"],
        "reviewBody": document["conclusion"],
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": verdict["rating"],
            "bestRating": CLAIMREVIEW_BEST,
            "worstRating": CLAIMREVIEW_WORST,
            "alternateName": verdict["alternate_name_en" if english else "alternate_name"],
        },
        "itemReviewed": item,
        "author": author,
        "publisher": author,
        "inLanguage": language,
        "datePublished": document["first_published_at"],
        "dateModified": document["published_at"],
        "version": document["version"],
    }
    if document.get("rating_explanation"):
        review["reviewRating"]["ratingExplanation"] = document["rating_explanation"]
    if document.get("correction_note"):
        review["correction"] = {
            "@type": "CorrectionComment",
            "text": document["correction_note"],
            "datePublished": document["published_at"],
        }
    if document.get("sources"):
        review["citation"] = [
            {"@type": "CreativeWork", "name": source["name"], "url": source["url"]}
            for source in document["sources"]
        ]
    return review


# --------------------------------------------------------------------------
# bulletins


def time_region(region_codes: list[str]) -> str | None:
    """The region whose time zone a bulletin's times are written in.

    The areas' zone when they all lie in one (WIB, WITA or WIT); None — UTC,
    written ``-00:00`` — when they span several.
    """
    offsets = set()
    for code in region_codes:
        try:
            offsets.add(province_utc_offset(code))
        except ValueError:
            return None
    return region_codes[0] if len(offsets) == 1 else None


def cap_time(value: datetime | None, region: str | None) -> str | None:
    return _cap_datetime(value, region) if value is not None else None


def area_cap(area: dict[str, Any]) -> dict[str, Any]:
    return {
        "areaDesc": area["area_desc"],
        "polygon": [polygon_to_cap(points) for points in area.get("polygons", [])],
        "circle": [
            circle_to_cap(circle["lat"], circle["lon"], circle["radius_km"])
            for circle in area.get("circles", [])
        ],
        "geocode": [{"valueName": "KEMENDAGRI", "value": area["region"]}],
    }


def resource_cap(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceDesc": resource.get("description") or resource["mime"],
        "mimeType": resource["mime"],
        "size": resource.get("size"),
        "uri": resource.get("url"),
        "digest": resource.get("digest"),
    }


def bulletin_alert(bulletin, *, references: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The CAP 1.2 alert of a bulletin, as a dict for :func:`hub.cap.xml.build_alert`.

    One ``info`` per language; category, event, urgency, severity, certainty,
    times, areas and resources are the same in each, the texts are the
    language's. ``references`` are ``(sender, identifier, sent)`` triples of the
    earlier messages.
    """
    region = time_region(bulletin.region_codes)
    event = EVENTS[bulletin.event]
    areas = [area_cap(area) for area in bulletin.areas]
    resources = [resource_cap(resource) for resource in bulletin.resources]
    infos = []
    for text in bulletin.infos:
        language = text["language"]
        infos.append(
            {
                "language": language,
                "category": list(bulletin.categories),
                "event": event.label(language),
                "responseType": list(bulletin.response_types),
                "urgency": bulletin.urgency,
                "severity": bulletin.severity,
                "certainty": bulletin.certainty,
                "audience": bulletin.audience,
                "eventCode": [{"valueName": "SIMPUL", "value": bulletin.event}],
                "effective": cap_time(bulletin.effective, region),
                "onset": cap_time(bulletin.onset, region),
                "expires": cap_time(bulletin.expires, region),
                "senderName": bulletin.agency.name,
                "headline": text["headline"],
                "description": text["description"],
                "instruction": text.get("instruction") or None,
                "web": bulletin.web,
                "contact": bulletin.contact,
                "parameter": list(bulletin.parameters),
                "resource": resources,
                "area": areas,
            }
        )
    return {
        "identifier": bulletin.identifier,
        "sender": bulletin.sender,
        "sent": cap_time(bulletin.sent, region),
        "status": bulletin.cap_status,
        "msgType": bulletin.msg_type,
        "source": "Simpul",
        "scope": bulletin.scope,
        "restriction": bulletin.restriction,
        "addresses": bulletin.addresses,
        "note": bulletin.note,
        "references": [list(item) for item in references] or None,
        "incidents": bulletin.incidents,
        "info": infos,
    }


def bulletin_document(
    bulletin, *, alert: dict[str, Any], clarifications: list[dict], hotlines: list[dict]
) -> dict[str, Any]:
    """The public representation of a published bulletin: what the hub signs."""
    return {
        "type": "bulletin",
        "id": bulletin.pk,
        "identifier": bulletin.identifier,
        "url": bulletin_url(bulletin.pk),
        "cap_url": cap_url(bulletin.identifier),
        "agency": agency_ref(bulletin.agency),
        "event": bulletin.event,
        "regions": list(bulletin.region_codes),
        "alert": alert,
        "links": {"clarifications": clarifications, "hotlines": hotlines},
    }
