"""Atom feeds of published clarifications and of active CAP bulletins.

Entries are written from the stored, signed documents, so a feed never says
anything the hub did not publish and sign.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.feedgenerator import Atom1Feed

from hub.dates import parse_datetime
from hub.facts.models import Bulletin, ClarificationVersion

CAP_MIME = "application/cap+xml"


class LinkedAtomFeed(Atom1Feed):
    """Atom with typed extra links per entry (CAP document, related items, hotlines)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for link in item.get("links", ()):
            handler.addQuickElement("link", "", link)


def _moment(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def clarifications_atom(versions: list[ClarificationVersion], *, feed_url: str) -> bytes:
    """The Atom feed of published clarifications (one entry per clarification, newest first)."""
    feed = LinkedAtomFeed(
        title="Simpul — klarifikasi resmi pemerintah",
        link=settings.HUB_PUBLIC_URL + "/",
        description="Klarifikasi hoaks resmi dari instansi pemerintah Indonesia.",
        language="id",
        feed_url=feed_url,
    )
    for version in versions:
        doc = version.document or {}
        claim = doc.get("claim", {})
        feed.add_item(
            title=doc.get("headline", version.title),
            link=doc.get("url", ""),
            description=doc.get("conclusion", ""),
            unique_id=doc.get("url", ""),
            pubdate=_moment(doc.get("first_published_at")),
            updateddate=_moment(doc.get("published_at")),
            author_name=doc.get("agency", {}).get("name"),
            author_link=doc.get("agency", {}).get("url"),
            categories=[doc.get("verdict", {}).get("code", ""), *claim.get("topics", [])],
            links=[
                {
                    "rel": "alternate",
                    "type": "application/ld+json",
                    "href": doc.get("url", "") + "?format=jsonld",
                },
                {"rel": "version-history", "href": doc.get("version_url", "")},
            ],
        )
    return feed.writeString("utf-8").encode("utf-8")


def bulletins_atom(bulletins: list[Bulletin], *, feed_url: str) -> bytes:
    """The Atom feed of current public bulletins, each entry linking to its CAP message.

    `bulletins` come from :func:`hub.facts.selectors.bulletin_feed`: alerts in
    force, and for a day the Cancels that ended others.
    """
    feed = LinkedAtomFeed(
        title="Simpul — peringatan dini dan buletin bencana (CAP 1.2)",
        link=settings.HUB_PUBLIC_URL + "/",
        description="Buletin bencana aktif dari instansi pemerintah Indonesia.",
        language="id",
        feed_url=feed_url,
    )
    for bulletin in bulletins:
        doc = bulletin.document or {}
        alert = doc.get("alert", {})
        info = (alert.get("info") or [{}])[0]
        related = [
            {"rel": "related", "type": "application/json", "href": item["url"]}
            for item in doc.get("links", {}).get("clarifications", [])
        ]
        hotlines = [
            {"rel": "related", "title": f"{h['label']}: {h['value']}", "href": h["value"]}
            for h in doc.get("links", {}).get("hotlines", [])
            if str(h.get("value", "")).startswith("http")
        ]
        feed.add_item(
            title=info.get("headline", bulletin.identifier),
            link=doc.get("cap_url", ""),
            description=info.get("description", ""),
            unique_id=doc.get("cap_url", bulletin.identifier),
            pubdate=bulletin.sent,
            updateddate=bulletin.sent,
            author_name=doc.get("agency", {}).get("name"),
            categories=[bulletin.event, *bulletin.categories],
            links=[
                {"rel": "alternate", "type": CAP_MIME, "href": doc.get("cap_url", "")},
                *related,
                *hotlines,
            ],
        )
    return feed.writeString("utf-8").encode("utf-8")
