"""Exports of the contact directory: vCard 4.0, jCard, Popolo JSON and CSV.

Every export is built from what the selectors return for the caller, so it
shows exactly what the API shows them, and notes every personal field it
reveals in the caller's :class:`~agencies.contacts.selectors.PdpReads`.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from agencies import policy
from agencies.contact_values import SOCIAL_PLATFORMS, profile_url
from agencies.contacts.freshness import is_stale
from agencies.contacts.imports import EXPORT_ONLY_COLUMNS, IMPORT_COLUMNS
from agencies.contacts.models import ContactPoint, Office, Person, Post
from agencies.contacts.selectors import (
    Directory,
    PdpReads,
    contacts_visible,
    person_visible,
    posts_visible,
)
from agencies.models import Agency, Region
from agencies.vcard import Address, Card, Email, Social, Tel

TEL_TYPES = {
    "voice": ("work", "voice"),
    "mobile": ("work", "cell", "voice"),
    "whatsapp": ("work", "cell", "text"),
    "sms": ("cell", "text"),
    "fax": ("work", "fax"),
}
POPOLO_TYPES = {
    "voice": "voice",
    "mobile": "cell",
    "whatsapp": "whatsapp",
    "sms": "text",
    "fax": "fax",
    "email": "email",
    "website": "url",
    "address": "address",
}
PURPOSE_LABELS = dict(ContactPoint.Purpose.choices)
ROLE_LABELS = dict(Post.Role.choices)


def _uid(kind: str, key: object) -> str:
    """A stable UID for a card: the same record always gets the same urn:uuid."""
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.HUB_PUBLIC_URL}/{kind}/{key}")
    )


def _pieces(contacts: Iterable[ContactPoint]) -> dict[str, list]:
    """Split contacts into the vCard properties they become."""
    out: dict[str, list] = {"tel": [], "email": [], "url": [], "social": [], "adr": []}
    for contact in contacts:
        pref = 1 if contact.purpose in ("emergency", "hotline") else None
        if contact.channel in TEL_TYPES:
            out["tel"].append(Tel(contact.normalized, TEL_TYPES[contact.channel], pref))
        elif contact.channel == "email":
            out["email"].append(Email(contact.normalized, ("work",), pref))
        elif contact.channel == "website":
            out["url"].append(contact.normalized)
        elif contact.channel in SOCIAL_PLATFORMS:
            out["social"].append(
                Social(
                    contact.channel,
                    profile_url(contact.normalized, contact.channel),
                    "" if "/" in contact.normalized else contact.normalized,
                )
            )
        elif contact.channel == "address":
            out["adr"].append(Address(street=contact.normalized, label=contact.label))
    return out


def _categories(contacts: Iterable[ContactPoint]) -> list[str]:
    return list(dict.fromkeys(PURPOSE_LABELS[c.purpose] for c in contacts))


def _rev(*rows: Any):
    stamps = [row.updated_at for row in rows if row is not None]
    return max(stamps) if stamps else None


def _card(
    *,
    fn: str,
    kind: str,
    org: str,
    units: tuple[str, ...],
    contacts: list[ContactPoint],
    uid: str,
    rev_rows: list,
    title: str = "",
    role: str = "",
    adr: Address | None = None,
    geo=None,
    note: str = "",
    url: list[str] | None = None,
) -> Card:
    pieces = _pieces(contacts)
    return Card(
        fn=fn,
        kind=kind,
        org=org,
        org_units=units,
        title=title,
        role=role,
        tel=pieces["tel"],
        email=pieces["email"],
        url=[*(url or []), *pieces["url"]],
        social=pieces["social"],
        adr=adr or (pieces["adr"][0] if pieces["adr"] else None),
        geo=geo,
        note=note,
        categories=_categories(contacts),
        uid=uid,
        rev=_rev(*rev_rows, *contacts),
        lang="id",
    )


def _office_address(office: Office) -> Address:
    return Address(
        street=office.address,
        locality=office.region.name if office.region_id else "",
        postal_code=office.postal_code,
        label=office.address,
    )


def _holder_note(post: Post) -> str:
    holder = getattr(post, "visible_holder", None)
    if holder is None:
        return ""
    return "Pejabat: " + " ".join(part for part in (holder.honorific, holder.name) if part)


def directory_cards(directory: Directory) -> list[Card]:
    """One card for the agency, one per office and one per post that has contacts."""
    agency = directory.agency
    own = directory.contacts_of()
    cards = [
        _card(
            fn=agency.name,
            kind="org",
            org=agency.name,
            units=(),
            contacts=own,
            uid=_uid("agencies", agency.slug),
            rev_rows=[agency],
            url=[agency.website] if agency.website else [],
        )
    ]
    for office in directory.offices:
        contacts = directory.contacts_of(office=office)
        geo = None
        if office.latitude is not None:
            geo = (float(office.latitude), float(office.longitude))
        hours = f"Jam layanan: {office.opening_hours}" if office.opening_hours else ""
        cards.append(
            _card(
                fn=office.name,
                kind="location",
                org=agency.name,
                units=(office.name,),
                contacts=contacts,
                uid=_uid("offices", office.pk),
                rev_rows=[office],
                adr=_office_address(office),
                geo=geo,
                note=hours,
            )
        )
    for post in directory.posts:
        contacts = directory.contacts_of(post=post)
        if not contacts and post.role not in (Post.Role.PPID, Post.Role.DPO):
            continue
        cards.append(
            _card(
                fn=f"{post.label} — {agency.acronym or agency.name}",
                kind="org",
                org=agency.name,
                units=(post.label,),
                contacts=contacts,
                uid=_uid("posts", post.pk),
                rev_rows=[post],
                title=post.label,
                role=ROLE_LABELS[post.role],
                note=_holder_note(post),
            )
        )
    return cards


def contact_card(contact: ContactPoint) -> Card:
    """A card for one contact, named after what it reaches (label, post, office or agency)."""
    agency = contact.agency
    owner = (
        contact.post.label if contact.post_id else contact.office.name if contact.office_id else ""
    )
    units = (owner,) if owner else ()
    fn = contact.label or owner or agency.name
    notes = [contact.note]
    if contact.availability:
        notes.append(f"Jam layanan: {contact.availability}")
    return _card(
        fn=fn,
        kind="org",
        org=agency.name,
        units=units,
        contacts=[contact],
        uid=_uid("contacts", contact.pk),
        rev_rows=[],
        note="\n".join(note for note in notes if note),
    )


# ---------------------------------------------------------------------------
# Popolo
# ---------------------------------------------------------------------------


def _contact_detail(contact: ContactPoint, office_names: dict[int, str]) -> dict[str, Any]:
    value = contact.normalized
    if contact.channel in SOCIAL_PLATFORMS:
        value = profile_url(contact.normalized, contact.channel)
    label = contact.label or PURPOSE_LABELS[contact.purpose]
    if contact.office_id:
        label = f"{office_names.get(contact.office_id, '')} — {label}"
    detail = {
        "type": POPOLO_TYPES.get(contact.channel, contact.channel),
        "value": value,
        "label": label,
        "note": contact.purpose,
    }
    if contact.valid_from:
        detail["valid_from"] = contact.valid_from.isoformat()
    if contact.valid_through:
        detail["valid_until"] = contact.valid_through.isoformat()
    if contact.source_url:
        detail["sources"] = [{"url": contact.source_url}]
    return detail


def popolo(principal: policy.Principal, reads: PdpReads) -> dict[str, Any]:
    """The whole directory the principal may see as Popolo JSON.

    Agencies are organizations (with their offices' contacts among their
    contact_details), posts are posts, visible post holders are persons with a
    membership; people with personal numbers the principal may see are persons too.
    Built in a fixed number of queries whatever the directory's size.
    """
    agencies = list(
        policy.visible_to(principal, Agency.objects.all()).select_related("parent").order_by("slug")
    )
    agency_ids = {agency.pk for agency in agencies}
    posts = [
        post
        for post in posts_visible(principal).select_related("holder").order_by("agency_id", "id")
        if post.agency_id in agency_ids
    ]
    contacts = list(
        contacts_visible(principal)
        .filter(agency_id__in=agency_ids)
        .select_related("person")
        .order_by("agency_id", "id")
    )
    office_names = dict(Office.objects.filter(agency_id__in=agency_ids).values_list("id", "name"))
    region_codes = {agency.region_id for agency in agencies if agency.region_id}
    areas = list(Region.objects.filter(code__in=region_codes).order_by("code"))

    by_owner: dict[tuple[str, int], list[dict]] = {}
    for contact in contacts:
        reads.contact(contact.pk, contact.is_personal, contact.person_id)
        if contact.is_personal:
            # Personal numbers belong to the person, never to the organization or post.
            owner = ("person", contact.person_id)
        elif contact.post_id:
            owner = ("post", contact.post_id)
        else:
            owner = ("agency", contact.agency_id)
        by_owner.setdefault(owner, []).append(_contact_detail(contact, office_names))

    organizations = []
    for agency in agencies:
        item: dict[str, Any] = {
            "id": f"agency:{agency.slug}",
            "name": agency.name,
            "classification": agency.type,
            "contact_details": by_owner.get(("agency", agency.pk), []),
        }
        if agency.acronym:
            item["other_names"] = [{"name": agency.acronym, "note": "acronym"}]
        if agency.parent_id and agency.parent_id in agency_ids:
            item["parent_id"] = f"agency:{agency.parent.slug}"
        if agency.region_id:
            item["area_id"] = f"kode-wilayah:{agency.region_id}"
        identifiers = [{"scheme": "simpul", "identifier": agency.slug}]
        identifiers += [
            {"scheme": i["scheme"], "identifier": i["value"]} for i in agency.identifiers or []
        ]
        item["identifiers"] = identifiers
        if agency.website:
            item["links"] = [{"url": agency.website, "note": "website"}]
        organizations.append(item)

    slugs = {agency.pk: agency.slug for agency in agencies}
    popolo_posts, persons, memberships = [], {}, []
    for post in posts:
        organization_id = f"agency:{slugs[post.agency_id]}"
        item = {
            "id": f"post:{post.pk}",
            "label": post.label,
            "role": post.role,
            "organization_id": organization_id,
            "contact_details": by_owner.get(("post", post.pk), []),
        }
        popolo_posts.append(item)
        holder = post.holder if post.holder_id else None
        if holder is None or not person_visible(principal, holder.agency_id, holder.consent_at):
            continue
        reads.person(holder.pk, holder.consent_at)
        persons[holder.pk] = _popolo_person(holder, by_owner)
        membership = {
            "id": f"membership:post:{post.pk}",
            "person_id": f"person:{holder.pk}",
            "organization_id": organization_id,
            "post_id": f"post:{post.pk}",
            "role": post.label,
        }
        if post.start_date:
            membership["start_date"] = post.start_date.isoformat()
        if post.end_date:
            membership["end_date"] = post.end_date.isoformat()
        memberships.append(membership)
    # Holders of no post who have personal numbers the principal may see (own agency only).
    for contact in contacts:
        if contact.is_personal and contact.person_id not in persons:
            reads.person(contact.person_id, contact.person.consent_at)
            persons[contact.person_id] = _popolo_person(contact.person, by_owner)
    return {
        "organizations": organizations,
        "posts": popolo_posts,
        "persons": list(persons.values()),
        "memberships": memberships,
        "areas": [
            {
                "id": f"kode-wilayah:{area.code}",
                "name": area.name,
                "identifier": area.code,
                "classification": area.kind,
            }
            for area in areas
        ],
    }


def _popolo_person(person: Person, by_owner: dict) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"person:{person.pk}", "name": person.name}
    if person.honorific:
        item["honorific_prefix"] = person.honorific
    details = by_owner.get(("person", person.pk))
    if details:
        item["contact_details"] = details
    return item


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

CSV_COLUMNS = (*IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS)
CSV_VALUES = (
    "id",
    "agency__slug",
    "external_id",
    "channel",
    "value",
    "normalized",
    "display",
    "purpose",
    "label",
    "office_id",
    "office__external_id",
    "post_id",
    "post__external_id",
    "person_id",
    "availability",
    "languages",
    "visibility",
    "is_personal",
    "legal_basis",
    "personal_purpose",
    "valid_from",
    "valid_through",
    "source_url",
    "note",
    "last_verified_at",
    "last_verified_by",
    "warnings",
)
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-]+$")


def _safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (phone numbers stay as they are)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ",".join(value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if _FORMULA.match(text) and not _PHONE_LIKE.match(text):
        return "'" + text
    return text


def _reference(pk: int | None, external_id: str | None) -> str:
    if pk is None:
        return ""
    return external_id or f"#{pk}"


def contacts_csv(rows: Iterable[dict[str, Any]], reads: PdpReads) -> str:
    """CSV of contact ``values()`` rows (selected with CSV_VALUES); re-importable as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        reads.contact(row["id"], row["is_personal"], row["person_id"])
        record = {
            **row,
            "agency": row["agency__slug"],
            "office": _reference(row["office_id"], row["office__external_id"]),
            "post": _reference(row["post_id"], row["post__external_id"]),
            "person": row["person_id"],
            "stale": is_stale(row["purpose"], row["last_verified_at"]),
        }
        writer.writerow([_safe(record.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()
