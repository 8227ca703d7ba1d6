"""Read side of the contact directory: what a principal may see, and what reading it leaves behind.

Every read goes through the policy (``policy.visible_to``). Reading personal
data that only the owning agency (or a platform admin) may see — a personal
contact, or a person who has not consented to publication — is logged: one
``pdp.read`` audit entry per response, naming the persons and contacts read,
the principal and its client. REST, GraphQL and every export use this module,
so they reveal and log the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies import policy
from agencies.contact_values import PHONE_CHANNELS
from agencies.contacts.freshness import stale_q
from agencies.contacts.models import ContactPoint, Office, Person, Post
from agencies.models import Agency, Region
from hub.audit import audit_record
from hub.errors import FieldError, NotFound, ValidationFailed

HOTLINE_PURPOSES = (ContactPoint.Purpose.EMERGENCY, ContactPoint.Purpose.HOTLINE)


def contacts_visible(principal: policy.Principal) -> QuerySet[ContactPoint]:
    return policy.visible_to(principal, ContactPoint.objects.all())


def offices_visible(principal: policy.Principal) -> QuerySet[Office]:
    return policy.visible_to(principal, Office.objects.all())


def posts_visible(principal: policy.Principal) -> QuerySet[Post]:
    return policy.visible_to(principal, Post.objects.all())


def persons_visible(principal: policy.Principal) -> QuerySet[Person]:
    return policy.visible_to(principal, Person.objects.all())


def person_visible(principal: policy.Principal, agency_id: int, consent_at) -> bool:
    """May `principal` see a person of `agency_id` (the same rule as persons_visible)?"""
    return consent_at is not None or policy.may(principal, policy.VIEW, Person, agency_id)


def current_q(prefix: str = "") -> Q:
    """Contacts valid today."""
    today = timezone.localdate()
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today})
    ) & (
        Q(**{f"{prefix}valid_through__isnull": True}) | Q(**{f"{prefix}valid_through__gte": today})
    )


# ---------------------------------------------------------------------------
# Reads of personal data
# ---------------------------------------------------------------------------


@dataclass
class PdpReads:
    """The personal data one response reveals; :meth:`flush` logs it as one audit entry.

    One entry per response (not per row) keeps a page's cost independent of its
    size; the entry lists every person and contact read, so a data subject's
    export can show who read their data, when, and through which client.
    """

    principal: policy.Principal
    via: str
    persons: set[int] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)

    def contact(self, contact_id: int, is_personal: bool, person_id: int | None) -> None:
        if is_personal:
            self.contacts.add(contact_id)
            if person_id is not None:
                self.persons.add(person_id)

    def person(self, person_id: int | None, consent_at) -> None:
        if person_id is not None and consent_at is None:
            self.persons.add(person_id)

    def flush(self) -> None:
        if not self.persons and not self.contacts:
            return
        persons, contacts = sorted(self.persons), sorted(self.contacts)
        audit_record(
            action="pdp.read",
            entity="person",
            entity_id=persons[0] if len(persons) == 1 else "",
            after={
                "persons": persons,
                "contacts": contacts,
                "client": self.principal.client_id or "web",
                "via": self.via,
            },
            principal=self.principal,
        )
        self.persons.clear()
        self.contacts.clear()


# ---------------------------------------------------------------------------
# Stale contacts
# ---------------------------------------------------------------------------


def stale_contacts(principal: policy.Principal) -> QuerySet[ContactPoint]:
    """Visible contacts not verified within their period, oldest verification first."""
    return contacts_visible(principal).filter(stale_q())


def stale_by_agency(principal: policy.Principal, *, agency: str | None = None) -> list[dict]:
    """{agency, count, contacts} per agency with stale contacts the principal may see."""
    queryset = stale_contacts(principal).select_related("agency")
    if agency:
        queryset = queryset.filter(agency__slug=agency)
    groups: dict[int, dict[str, Any]] = {}
    for contact in queryset.order_by("agency__name", "last_verified_at", "id"):
        group = groups.setdefault(
            contact.agency_id,
            {"agency": contact.agency, "contacts": []},
        )
        group["contacts"].append(contact)
    return list(groups.values())


# ---------------------------------------------------------------------------
# Hotline lookup
# ---------------------------------------------------------------------------


@dataclass
class HotlineMatch:
    """The nearest public hotline/emergency contacts for a region, and how they were found.

    ``via`` is ``region`` (located in ``matched_region``, ``steps`` levels above
    the asked region; 0 = the region itself), ``agency`` (an ancestor agency of
    an agency in the region chain) or ``national`` (an agency without a region).
    """

    region: Region
    via: str
    matched_region: Region | None
    steps: int
    contacts: list[ContactPoint]


def _hotline_candidates() -> QuerySet[ContactPoint]:
    # Only what anyone may see: the answer is the same for every caller.
    located = Coalesce("office__region_id", "post__office__region_id", "agency__region_id")
    rank = Case(
        When(purpose=ContactPoint.Purpose.EMERGENCY, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    channel_rank = Case(
        When(channel="voice", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        policy.visible_to(policy.ANONYMOUS, ContactPoint.objects.all())
        .filter(purpose__in=HOTLINE_PURPOSES, channel__in=PHONE_CHANNELS)
        .filter(current_q())
        .annotate(located_in=located, purpose_rank=rank, channel_rank=channel_rank)
        .select_related("agency", "office", "post")
        .order_by("purpose_rank", "channel_rank", "agency__name", "id")
    )


def hotline_lookup(*, region_code: str) -> HotlineMatch:
    """The nearest official public hotline or emergency contact for `region_code`.

    Walks up the region hierarchy (village → district → regency/city →
    province) looking for contacts located there (office region, else the
    agency's region); then up the agency hierarchy from the agencies of those
    regions; then national agencies. Raises NotFound when nothing is found.
    """
    code = str(region_code or "").strip()
    if not code:
        raise ValidationFailed(
            errors=[FieldError("region", "required", "Kode wilayah wajib.", "region is required.")]
        )
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "region",
                    "unknown_region",
                    "Kode wilayah tidak dikenal.",
                    f"Unknown region code {code!r}.",
                )
            ]
        )
    chain = [region.code, *reversed(Region.ancestor_codes(region.code))]
    regions = {r.code: r for r in Region.objects.filter(code__in=chain)}
    found: dict[str, list[ContactPoint]] = {}
    for contact in _hotline_candidates().filter(located_in__in=chain):
        found.setdefault(contact.located_in, []).append(contact)
    for steps, level_code in enumerate(chain):
        if found.get(level_code):
            return HotlineMatch(region, "region", regions[level_code], steps, found[level_code])

    # Agency hierarchy: from the agencies governing the chain's regions, nearest first.
    seen: set[int] = set()
    frontier = list(
        Agency.objects.filter(region_id__in=chain, status=Agency.Status.ACTIVE)
        .order_by("-region__level", "id")
        .values_list("parent_id", flat=True)
    )
    while frontier:
        parents = [pk for pk in dict.fromkeys(frontier) if pk is not None and pk not in seen]
        if not parents:
            break
        seen.update(parents)
        contacts = list(_hotline_candidates().filter(agency_id__in=parents))
        if contacts:
            return HotlineMatch(region, "agency", None, len(chain), contacts)
        frontier = list(
            Agency.objects.filter(pk__in=parents, status=Agency.Status.ACTIVE).values_list(
                "parent_id", flat=True
            )
        )
    national = list(_hotline_candidates().filter(located_in__isnull=True))
    if national:
        return HotlineMatch(region, "national", None, len(chain), national)
    raise NotFound(
        "Tidak ada hotline untuk wilayah ini.", "No hotline for this region.", code="no_hotline"
    )


# ---------------------------------------------------------------------------
# One agency's directory
# ---------------------------------------------------------------------------


@dataclass
class Directory:
    """What a principal may see of one agency's directory."""

    agency: Agency
    offices: list[Office]
    posts: list[Post]
    contacts: list[ContactPoint]

    @property
    def ppid(self) -> list[Post]:
        return [post for post in self.posts if post.role == Post.Role.PPID]

    @property
    def dpo(self) -> list[Post]:
        return [post for post in self.posts if post.role == Post.Role.DPO]

    def contacts_of(self, *, office: Office | None = None, post: Post | None = None) -> list:
        return [
            contact
            for contact in self.contacts
            if contact.office_id == (office.pk if office else None)
            and contact.post_id == (post.pk if post else None)
        ]


def agency_for(principal: policy.Principal, slug: str) -> Agency:
    """The agency `slug` if the principal may see it; NotFound otherwise."""
    agency = (
        policy.visible_to(principal, Agency.objects.all())
        .select_related("parent", "region")
        .filter(slug=str(slug or ""))
        .first()
    )
    if agency is None:
        raise NotFound()
    return agency


def directory(principal: policy.Principal, agency: Agency, reads: PdpReads) -> Directory:
    """The agency's offices, posts (holders only where visible) and contacts, in four queries."""
    offices = list(
        offices_visible(principal)
        .filter(agency=agency)
        .select_related("region")
        .order_by("name", "id")
    )
    posts = list(
        posts_visible(principal)
        .filter(agency=agency)
        .select_related("holder")
        .order_by("role", "label", "id")
    )
    for post in posts:
        post.visible_holder = visible_holder(principal, post, reads)
    contacts = list(
        contacts_visible(principal)
        .filter(agency=agency)
        .select_related("agency", "office", "post")
        .order_by("id")
    )
    for contact in contacts:
        reads.contact(contact.pk, contact.is_personal, contact.person_id)
    return Directory(agency=agency, offices=offices, posts=posts, contacts=contacts)


def visible_holder(principal: policy.Principal, post: Post, reads: PdpReads) -> Person | None:
    """The post's holder if `principal` may see them (their reading is noted in `reads`)."""
    holder = post.holder if post.holder_id else None
    if holder is None or not person_visible(principal, holder.agency_id, holder.consent_at):
        return None
    reads.person(holder.pk, holder.consent_at)
    return holder
