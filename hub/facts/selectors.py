"""Read side of verified facts: lookup by link, tombstones, search, feeds, verification.

Every selector starts from the access policy (``policy.visible_to``), so REST,
GraphQL and the feeds can never show a caller more than the policy allows.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, Concat
from django.http import QueryDict
from django.utils import timezone

from agencies import policy
from agencies.models import Agency
from agencies.policy import Principal
from hub.dates import parse_date
from hub.errors import FieldError, HubError, ValidationFailed
from hub.facts import documents
from hub.facts.cleaning import parse_moment
from hub.facts.filters import (
    ClarificationFilterSet,
    active_bulletins,
    touching_region,
    within_region,
)
from hub.facts.keys import document_verify
from hub.facts.models import (
    BULLETIN_PUBLISHED,
    CLARIFICATION_PUBLISHED,
    Bulletin,
    Claim,
    ClaimAppearance,
    Clarification,
    ClarificationVersion,
)
from hub.facts.urlnorm import InvalidUrl, normalize_url, url_key
from hub.facts.vocab import CapStatus, MsgType, Scope
from hub.locale import active_language
from hub.signing import SignatureInvalid

SEARCH_CONFIG = "indonesian"


# ---------------------------------------------------------------------------
# claims


def owning_agency(principal: Principal, slug: Any) -> Agency:
    """The agency a new item belongs to: the one named, else the caller's own.

    Whether the caller may create items for it is the services' question.
    """
    if slug:
        agency = Agency.objects.filter(slug=str(slug)).first()
    elif principal.primary_agency_id is not None:
        agency = Agency.objects.filter(pk=principal.primary_agency_id).first()
    else:
        agency = None
    if agency is None:
        raise ValidationFailed(
            errors=[
                FieldError("agency", "unknown_agency", "Instansi tidak ada.", "No such agency.")
            ]
        )
    return agency


def claim_lookup(principal: Principal, url: str) -> dict[str, Any]:
    """Has this link been clarified? The claims seen at this (normalised) link.

    Answers the normalised URL, whether any published clarification reviews a
    claim seen there, and those claims with their published clarifications.
    Only what the caller may see is reported.
    """
    try:
        normalized = normalize_url(url)
    except InvalidUrl:
        raise ValidationFailed(
            errors=[
                FieldError("url", "invalid_url", "URL tidak valid.", "Not a valid http(s) URL.")
            ]
        ) from None
    appearances = policy.visible_to(
        principal, ClaimAppearance.objects.filter(url_key=url_key(normalized))
    )
    claims = policy.visible_to(principal, Claim.objects.filter(appearances__in=appearances))
    claim_rows = list(
        claims.distinct().order_by("id").values("id", "summary", "text", "agency__slug")
    )
    clarifications = (
        policy.visible_to(principal, Clarification.objects.all())
        .filter(claim_id__in=[row["id"] for row in claim_rows], status__in=CLARIFICATION_PUBLISHED)
        .order_by("-published_at", "id")
        .values(
            "id",
            "claim_id",
            "status",
            "agency__slug",
            "head__number",
            "head__title",
            "head__verdict_id",
            "head__verdict__title_prefix",
            "published_at",
        )
    )
    by_claim: dict[int, list[dict[str, Any]]] = {}
    for row in clarifications:
        by_claim.setdefault(row["claim_id"], []).append(
            {
                "id": row["id"],
                "agency": row["agency__slug"],
                "status": row["status"],
                "version": row["head__number"],
                "title": row["head__title"],
                "headline": documents.headline(
                    row["head__verdict__title_prefix"], row["head__title"]
                ),
                "verdict": row["head__verdict_id"],
                "published_at": row["published_at"],
                "url": documents.clarification_url(row["id"]),
            }
        )
    results = [
        {
            "id": row["id"],
            "agency": row["agency__slug"],
            "summary": row["summary"],
            "text": row["text"],
            "clarifications": by_claim.get(row["id"], []),
        }
        for row in claim_rows
    ]
    return {
        "url": url,
        "normalized_url": normalized,
        "clarified": any(item["clarifications"] for item in results),
        "claims": results,
    }


# ---------------------------------------------------------------------------
# tombstones and versions


def gone(*, entity: str, pk: int, withdrawn_at, reason: str, extra: dict | None = None):
    """410 Gone for a withdrawn item: the tombstone says when and why."""
    return HubError(
        message_id="Konten ini telah ditarik oleh instansi penerbitnya.",
        message_en="This content was withdrawn by its issuing agency.",
        code="withdrawn",
        status=410,
        extra={
            "tombstone": {
                "id": pk,
                "entity": entity,
                "status": "withdrawn",
                "withdrawn_at": documents.iso(withdrawn_at),
                "withdrawal_reason": reason,
                **(extra or {}),
            }
        },
    )


def clarification_tombstone(clarification: Clarification) -> HubError:
    return gone(
        entity="clarification",
        pk=clarification.pk,
        withdrawn_at=clarification.withdrawn_at,
        reason=clarification.withdrawal_reason,
        extra={"version": clarification.head.number if clarification.head_id else None},
    )


def bulletin_tombstone(bulletin: Bulletin) -> HubError:
    return gone(
        entity="bulletin",
        pk=bulletin.pk,
        withdrawn_at=bulletin.withdrawn_at,
        reason=bulletin.withdrawal_reason,
        extra={"identifier": bulletin.identifier},
    )


def clarification_versions(principal: Principal, clarification: Clarification) -> QuerySet:
    """The versions of a clarification the caller may read (drafts only in its agency)."""
    return policy.visible_to(
        principal, ClarificationVersion.objects.filter(clarification=clarification)
    ).order_by("number")


def signed_document(document: dict[str, Any] | None, signature: str) -> dict[str, Any] | None:
    """A published document with its signature embedded: the copy people forward."""
    if document is None:
        return None
    return {**document, "signature": signature}


# ---------------------------------------------------------------------------
# feeds


def clarification_feed(params: QueryDict | dict, *, limit: int = 50) -> list[ClarificationVersion]:
    """The newest public published clarifications (head versions), filtered like the list."""
    queryset = policy.visible_to(policy.ANONYMOUS, Clarification.objects.all()).filter(
        status__in=CLARIFICATION_PUBLISHED
    )
    filterset = ClarificationFilterSet(params, queryset)
    _require_valid(filterset)
    ids = list(filterset.qs.order_by("-published_at", "-id").values_list("head_id", flat=True))
    versions = ClarificationVersion.objects.in_bulk(ids[:limit])
    return [versions[pk] for pk in ids[:limit] if pk in versions]


# How long a Cancel stays in the CAP feed (less if it expires sooner).
CANCEL_IN_FEED = timedelta(hours=24)


def bulletin_feed(params: QueryDict | dict, *, now: datetime, limit: int = 200) -> list[Bulletin]:
    """The current public alerts at `now`, newest first: real (Actual) alerts in force,
    and the Cancels of the last day.

    The feed is an index of current alerts, as CAP feeds are. A cancelled alert
    leaves it at once, like an active list; the Cancel that ended it takes its
    place for ``CANCEL_IN_FEED`` (with responseType AllClear, saying the warning
    is withdrawn), so that an aggregator polling the feed reads the cancellation
    and takes the alert down (the CAP feed practice of Google Public Alerts:
    keep a cancellation a day or two, then remove it). Exercises, tests and
    drafts never appear; nor do superseded, cancelled, withdrawn or expired
    bulletins. ``region`` matches bulletins whose areas lie in an ancestor or a
    descendant of the given code; ``agency`` by slug.
    """
    recent_cancel = Q(
        status=Bulletin.Status.PUBLISHED, msg_type=MsgType.CANCEL, sent__gt=now - CANCEL_IN_FEED
    ) & (Q(expires__isnull=True) | Q(expires__gt=now))
    queryset = policy.visible_to(policy.ANONYMOUS, Bulletin.objects.all()).filter(
        active_bulletins(now) | recent_cancel, scope=Scope.PUBLIC, cap_status=CapStatus.ACTUAL
    )
    region = (params.get("region") or "").strip()
    if region:
        queryset = queryset.filter(touching_region(region))
    agency = (params.get("agency") or "").strip()
    if agency:
        queryset = queryset.filter(agency__slug=agency)
    return list(queryset.order_by("-sent", "-id")[:limit])


def _require_valid(filterset) -> None:
    if not filterset.is_valid():
        raise ValidationFailed(
            errors=[
                FieldError(name, "invalid_filter", str(msgs[0]), str(msgs[0]))
                for name, msgs in filterset.errors.items()
            ]
        )


# ---------------------------------------------------------------------------
# search

SEARCH_TYPES = ("clarification", "claim", "bulletin")
_START, _STOP = "\x02", "\x03"


@dataclass(frozen=True)
class SearchHit:
    """One search result: what it is, its rank and a highlighted snippet (HTML-safe)."""

    type: str
    id: int
    title: str
    snippet: str
    rank: float
    agency: str
    date: datetime | None
    url: str
    verdict: str | None = None
    status: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "title": self.title,
            "snippet": self.snippet,
            "rank": round(self.rank, 6),
            "agency": self.agency,
            "date": self.date,
            "url": self.url,
            "verdict": self.verdict,
            "status": self.status,
        }


def _snippet(raw: str | None) -> str:
    """Escape the text, then turn the highlight markers into <mark> tags."""
    escaped = html.escape(raw or "", quote=False)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


def _headline(expression, query: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        expression,
        query,
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=35,
        min_words=15,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def search(
    principal: Principal,
    *,
    q: str,
    types: list[str] | None = None,
    filters: dict[str, str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[SearchHit], int]:
    """Full-text search over clarifications, claims and bulletins the caller may read.

    Uses PostgreSQL's ``indonesian`` configuration, so inflections match their
    stem ("mengumumkan" finds "umum"). Hits are ranked with ``ts_rank`` on
    weighted, stored vectors (titles weigh most) and come with a
    ``ts_headline`` snippet in which matches are wrapped in ``<mark>``.
    Filters: ``verdict`` and ``topic`` (which limit results to the types that
    have them), ``agency``, ``region`` (the region or any region under it),
    ``date_from``/``date_to`` (publication, or recording for claims).
    Returns the page of hits and how many hits there are in total.
    """
    text = (q or "").strip()
    if not text:
        raise ValidationFailed(
            errors=[FieldError("q", "required", "Kata kunci wajib diisi.", "q is required.")]
        )
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    wanted = list(types or SEARCH_TYPES)
    unknown = [t for t in wanted if t not in SEARCH_TYPES]
    if unknown:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "type",
                    "invalid_choice",
                    "Jenis tidak dikenal. Pilihan: " + ", ".join(SEARCH_TYPES),
                    "Unknown type. Choose from: " + ", ".join(SEARCH_TYPES),
                )
            ]
        )
    if "verdict" in filters:
        wanted = [t for t in wanted if t == "clarification"]
    if "topic" in filters:
        wanted = [t for t in wanted if t in ("clarification", "claim")]
    date_from = _parse_date(filters.get("date_from"), "date_from")
    date_to = _parse_date(filters.get("date_to"), "date_to", end=True)
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    window = offset + limit
    hits: list[SearchHit] = []
    total = 0
    for kind in wanted:
        queryset, date_field = _search_base(kind, principal, filters)
        if date_from:
            queryset = queryset.filter(**{f"{date_field}__gte": date_from})
        if date_to:
            queryset = queryset.filter(**{f"{date_field}__lt": date_to})
        queryset = queryset.filter(search=query)
        total += queryset.count()
        ranked = queryset.annotate(rank=SearchRank(F("search"), query))
        hits.extend(_search_rows(kind, ranked.order_by("-rank", "-id")[:window], query))
    hits.sort(key=lambda hit: (-hit.rank, hit.type, -hit.id))
    return hits[offset:window], total


def _parse_date(raw: str | None, field: str, *, end: bool = False):
    """The moment a ``date_from`` (`end` false) or ``date_to`` (`end` true) bound stands for.

    A date-time is that moment. A bare date means that day in the hub's time
    zone (WIB), all of it: its start for ``date_from``, the start of the next
    day for ``date_to`` (whose bound is exclusive).
    """
    if not raw:
        return None
    moment = parse_moment(raw)
    if moment is not None:
        return moment
    day = parse_date(raw) if isinstance(raw, str) else None
    if day is not None:
        if end:
            day += timedelta(days=1)
        return timezone.make_aware(datetime.combine(day, time.min))
    raise ValidationFailed(
        errors=[
            FieldError(
                field,
                "invalid_date",
                "Format tanggal tidak valid (YYYY-MM-DD).",
                "Not a date (YYYY-MM-DD).",
            )
        ]
    )


def _search_base(kind: str, principal: Principal, filters: dict[str, str]):
    agency = filters.get("agency")
    region = filters.get("region")
    if kind == "clarification":
        queryset = policy.visible_to(principal, Clarification.objects.all()).exclude(
            status=Clarification.Status.WITHDRAWN
        )
        if filters.get("verdict"):
            codes = [c.strip() for c in filters["verdict"].split(",") if c.strip()]
            queryset = queryset.filter(head__verdict_id__in=codes)
        if filters.get("topic"):
            queryset = queryset.filter(claim__topics__contains=[filters["topic"].lower()])
        if region:
            queryset = queryset.filter(within_region("claim__", region))
        date_field = "published_at"
    elif kind == "claim":
        queryset = policy.visible_to(principal, Claim.objects.all())
        if filters.get("topic"):
            queryset = queryset.filter(topics__contains=[filters["topic"].lower()])
        if region:
            queryset = queryset.filter(within_region("", region))
        date_field = "created_at"
    else:
        queryset = policy.visible_to(principal, Bulletin.objects.all()).exclude(
            status=Bulletin.Status.WITHDRAWN
        )
        if region:
            queryset = queryset.filter(within_region("", region))
        date_field = "sent"
    if agency:
        queryset = queryset.filter(agency__slug=agency)
    return queryset, date_field


def _search_rows(kind: str, queryset: QuerySet, query: SearchQuery) -> list[SearchHit]:
    if kind == "clarification":
        source = Concat(
            "head__title",
            Value(". "),
            "head__conclusion",
            Value(" "),
            "head__body",
            output_field=TextField(),
        )
        rows = queryset.annotate(snippet=_headline(source, query)).values(
            "id",
            "rank",
            "snippet",
            "agency__slug",
            "published_at",
            "status",
            "head__title",
            "head__verdict_id",
            "head__verdict__title_prefix",
        )
        return [
            SearchHit(
                type=kind,
                id=row["id"],
                title=documents.headline(row["head__verdict__title_prefix"], row["head__title"]),
                snippet=_snippet(row["snippet"]),
                rank=row["rank"],
                agency=row["agency__slug"],
                date=row["published_at"],
                url=documents.clarification_url(row["id"]),
                verdict=row["head__verdict_id"],
                status=row["status"],
            )
            for row in rows
        ]
    if kind == "claim":
        source = Concat("summary", Value(". "), "text", output_field=TextField())
        rows = queryset.annotate(snippet=_headline(source, query)).values(
            "id", "rank", "snippet", "agency__slug", "created_at", "summary"
        )
        return [
            SearchHit(
                type=kind,
                id=row["id"],
                title=row["summary"],
                snippet=_snippet(row["snippet"]),
                rank=row["rank"],
                agency=row["agency__slug"],
                date=row["created_at"],
                url=documents.claim_url(row["id"]),
            )
            for row in rows
        ]
    first_info = KeyTransform(0, "infos")
    headline_text = KeyTextTransform("headline", first_info)
    source = Concat(
        Coalesce(headline_text, Value(""), output_field=TextField()),
        Value(". "),
        Coalesce(KeyTextTransform("description", first_info), Value(""), output_field=TextField()),
        output_field=TextField(),
    )
    rows = queryset.annotate(snippet=_headline(source, query), title=headline_text).values(
        "id", "rank", "snippet", "agency__slug", "sent", "title", "status", "identifier"
    )
    return [
        SearchHit(
            type=kind,
            id=row["id"],
            title=row["title"] or row["identifier"],
            snippet=_snippet(row["snippet"]),
            rank=row["rank"],
            agency=row["agency__slug"],
            date=row["sent"],
            url=documents.bulletin_url(row["id"]),
            status=row["status"],
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------
# verification


@dataclass(frozen=True)
class Verification:
    """The answer to "is this copy authentic and unaltered, and which version is it?"."""

    authentic: bool
    code: str | None = None
    kid: str | None = None
    type: str | None = None
    id: int | str | None = None
    version: int | None = None
    current_status: str | None = None
    latest_version: int | None = None
    is_latest: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# Why a copy does not verify: (Bahasa Indonesia, English).
_MESSAGES = {
    SignatureInvalid.MISMATCH: (
        "Isi telah diubah setelah ditandatangani, atau tanda tangan ini bukan untuk isi ini.",
        "The content was altered after signing, or the signature is not for this content.",
    ),
    SignatureInvalid.UNKNOWN_KEY: (
        "Kunci penanda tangan bukan salah satu kunci yang diterbitkan hub.",
        "The signing key is not one of the hub's published keys.",
    ),
    SignatureInvalid.MALFORMED: ("Format tanda tangan rusak.", "The signature is malformed."),
    SignatureInvalid.BAD_ALGORITHM: (
        "Algoritme tanda tangan tidak diterima.",
        "The signature algorithm is not accepted.",
    ),
}
_NOT_VERIFIED = ("Tanda tangan tidak dapat diverifikasi.", "The signature does not verify.")
# The words of the answer for an authentic copy, by language.
_AUTHENTIC = {
    "id": {
        "text": "Asli dan tidak diubah: {label}, ditandatangani dengan kunci {kid}.",
        "clarification": "klarifikasi",
        "bulletin": "buletin",
        "version": "versi",
        "withdrawn": "Konten ini kemudian ditarik.",
        "newer": "Sudah ada versi yang lebih baru.",
    },
    "en": {
        "text": "Authentic and unaltered: {label}, signed by key {kid}.",
        "clarification": "clarification",
        "bulletin": "bulletin",
        "version": "version",
        "withdrawn": "It has since been withdrawn.",
        "newer": "A newer version exists.",
    },
}


def split_signed(payload: Any) -> tuple[dict[str, Any], str]:
    """The document and its signature from ``{"document", "signature"}`` or an embedded copy."""
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "Isi harus berupa objek JSON.", "The body must be a JSON object.", code="not_signed"
        )
    signature = payload.get("signature")
    if isinstance(payload.get("document"), dict) and set(payload) <= {"document", "signature"}:
        document = payload["document"]
    else:
        document = {key: value for key, value in payload.items() if key != "signature"}
    if not isinstance(signature, str) or not signature:
        raise ValidationFailed(
            errors=[
                FieldError(
                    "signature",
                    "signature_required",
                    "Dokumen tidak memuat tanda tangan.",
                    "The document carries no signature.",
                )
            ]
        )
    return document, signature


def document_check(payload: Any) -> Verification:
    """Verify a signed copy against the hub's published keys, and say which version it is.

    Authentic means the hub signed exactly this content (any changed character
    fails). For authentic copies the answer adds the item's type, id and
    version, its current status (e.g. ``corrected`` or ``withdrawn``) and
    whether a newer version exists.
    """
    document, signature = split_signed(payload)
    try:
        kid = document_verify(document, signature)
    except SignatureInvalid as exc:
        return Verification(authentic=False, code=exc.code)
    kind, pk = document.get("type"), document.get("id")
    result = Verification(authentic=True, kid=kid, type=kind, id=pk)
    if kind == "clarification" and isinstance(pk, int):
        row = (
            Clarification.objects.filter(pk=pk)
            .values("status", "head__number", "head__state")
            .first()
        )
        version = document.get("version")
        if row is not None:
            latest = row["head__number"]
            return Verification(
                authentic=True,
                kid=kid,
                type=kind,
                id=pk,
                version=version,
                current_status=row["status"],
                latest_version=latest,
                is_latest=version == latest and row["status"] in CLARIFICATION_PUBLISHED,
            )
    if kind == "bulletin" and isinstance(pk, int):
        row = Bulletin.objects.filter(pk=pk).values("status", "identifier").first()
        if row is not None:
            newer = Bulletin.objects.filter(
                references__contains=[row["identifier"]], status__in=BULLETIN_PUBLISHED
            ).exists()
            return Verification(
                authentic=True,
                kid=kid,
                type=kind,
                id=document.get("identifier") or pk,
                version=1,
                current_status=row["status"],
                latest_version=None,
                is_latest=row["status"] == Bulletin.Status.PUBLISHED and not newer,
            )
    return result


def verification_message(result: Verification, lang: str | None = None) -> str:
    """What a person reads about a copy, in Bahasa Indonesia or in English (`lang` "en").

    Without `lang`, the request's language: the one the locale middleware chose
    (``Accept-Language``, Bahasa Indonesia by default), as for every other
    message the hub answers.
    """
    lang = "en" if (lang or active_language()).startswith("en") else "id"
    if not result.authentic:
        message_id, message_en = _MESSAGES.get(result.code or "", _NOT_VERIFIED)
        return message_en if lang == "en" else message_id
    words = _AUTHENTIC[lang]
    label = f"{words.get(str(result.type), result.type)} {result.id}"
    if result.version is not None:
        label += f" {words['version']} {result.version}"
    message = words["text"].format(label=label, kid=result.kid)
    if result.current_status == "withdrawn":
        message += " " + words["withdrawn"]
    elif result.is_latest is False:
        message += " " + words["newer"]
    return message
