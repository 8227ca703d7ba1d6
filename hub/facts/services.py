"""Write services of verified facts: claims, clarifications and crisis bulletins.

Every service is keyword-only, asks the access policy, validates everything
before writing, and stores the change, its audit entry and its change event in
one transaction. The workflow is the same for clarifications and bulletins:

    draft → in_review → approved → published → corrected (a new version) | withdrawn

Only a verifier of the owning agency who wrote none of the content approves it
(four eyes). Published content never changes in place: a clarification is
corrected by a new version, a bulletin by a new CAP message (Update or Cancel)
that references it. Illegal moves raise errors with stable codes:
``invalid_transition``, ``four_eyes_required``, ``published_immutable``,
``locked_in_review``, ``correction_in_progress``, ``withdrawn``.
"""

from __future__ import annotations

import math
import re
import secrets
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import Max, Value
from django.utils import timezone

from agencies import policy
from agencies.models import Agency, Region
from agencies.policy import Principal
from hub.audit import audit_record
from hub.cap.xml import (
    CapInvalid,
    build_alert,
    cap_datetime,
    inside_indonesia,
    polygon_to_cap,
    valid_identifier,
    validate,
)
from hub.changes import change_record
from hub.errors import (
    Conflict,
    FieldError,
    PermissionDenied,
    Unprocessable,
    ValidationFailed,
    check_version,
)
from hub.facts import documents, links
from hub.facts.cleaning import (
    MISSING,
    Cleaner,
    field_error,
    region_scope,
    required,
    valid_url,
)
from hub.facts.keys import document_sign
from hub.facts.media import media_reference
from hub.facts.models import (
    BULLETIN_PUBLISHED,
    CLARIFICATION_PUBLISHED,
    Bulletin,
    Claim,
    ClaimAppearance,
    Clarification,
    ClarificationVersion,
    Verdict,
)
from hub.facts.urlnorm import InvalidUrl, normalize_url, url_key
from hub.facts.vocab import (
    CALLS_TO_ACTION,
    CATEGORIES,
    CERTAINTIES,
    EVENTS,
    RESPONSE_TYPES,
    RESPONSES_NEEDING_INSTRUCTION,
    SEVERITIES,
    URGENCIES,
    CapStatus,
    MisinformationType,
    MsgType,
    Platform,
    Scope,
)

SEARCH_CONFIG = "indonesian"
MAX_BODY = 100_000
MAX_TEXT = 10_000


def _now():
    # Whole seconds: published times appear in signed JSON and CAP, both without fractions.
    return timezone.now().replace(microsecond=0)


def _transition_error(status: str, action: str) -> Conflict:
    return Conflict(
        f"Tindakan '{action}' tidak diizinkan pada status '{status}'.",
        f"Action '{action}' is not allowed in status '{status}'.",
        code="invalid_transition",
        extra={"status": status, "action": action},
    )


def _four_eyes() -> PermissionDenied:
    return PermissionDenied(
        "Penulis tidak boleh menyetujui tulisannya sendiri (prinsip empat mata).",
        "An author cannot approve their own content (four-eyes principle).",
        code="four_eyes_required",
    )


def _published_immutable() -> Conflict:
    return Conflict(
        "Versi yang sudah terbit tidak dapat diubah; buat koreksi (versi baru).",
        "A published version cannot be changed; make a correction (a new version).",
        code="published_immutable",
    )


def _locked_in_review() -> Conflict:
    return Conflict(
        "Sedang ditinjau; kembalikan ke draf sebelum mengubah.",
        "In review; send it back to draft before editing.",
        code="locked_in_review",
    )


def _withdrawn() -> Conflict:
    return Conflict("Konten sudah ditarik.", "The content was withdrawn.", code="withdrawn")


def _author_list(authors: list[str], principal: Principal) -> list[str]:
    return authors if principal.label in authors else [*authors, principal.label]


# ---------------------------------------------------------------------------
# claims

CLAIM_FIELDS = {
    "text",
    "summary",
    "claimant",
    "first_seen",
    "topics",
    "regions",
    "language",
    "appearances",
}
APPEARANCE_FIELDS = {"url", "platform", "posted_at", "observed_at", "screenshot", "is_first"}

# Hosts that identify a platform when the caller does not name one.
PLATFORM_HOSTS = {
    "wa.me": Platform.WHATSAPP,
    "whatsapp.com": Platform.WHATSAPP,
    "facebook.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "x.com": Platform.X,
    "instagram.com": Platform.INSTAGRAM,
    "tiktok.com": Platform.TIKTOK,
    "youtube.com": Platform.YOUTUBE,
    "t.me": Platform.TELEGRAM,
    "telegram.me": Platform.TELEGRAM,
}


def platform_for(normalized_url: str) -> str:
    host = normalized_url.split("/")[2].split(":")[0]
    for known, platform in PLATFORM_HOSTS.items():
        if host == known or host.endswith("." + known):
            return platform
    return Platform.WEBSITE


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "agency": claim.agency_id,
        "summary": claim.summary,
        "claimant": claim.claimant,
        "topics": list(claim.topics),
        "regions": list(claim.regions),
        "language": claim.language,
        "version": claim.version,
    }


# Extra words that state a verdict, beyond the vocabulary's own labels.
VERDICT_WORDS = ("hoax", "bohong", "palsu", "fake", "false", "true", "benar")


def verdict_words() -> list[str]:
    """Every word or phrase that names a verdict (labels in both languages, codes)."""
    words: set[str] = set(VERDICT_WORDS)
    for row in Verdict.objects.values(
        "code", "label", "label_en", "alternate_name", "alternate_name_en"
    ):
        words.add(row["code"].replace("_", " "))
        words.update(value for key, value in row.items() if key != "code" and value)
    return sorted({word.casefold() for word in words})


def summary_warnings(summary: str, words: list[str]) -> list[dict[str, str]]:
    """Warnings about a claim summary: a summary describes the claim, never its verdict."""
    text = (summary or "").casefold()
    found = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
    if not found:
        return []
    return [
        {
            "field": "summary",
            "code": "summary_contains_verdict",
            "message": "The summary names a verdict ("
            + ", ".join(found)
            + "); it should only state the claim.",
            "message_id": "Ringkasan menyebut putusan ("
            + ", ".join(found)
            + "); ringkasan hanya memuat klaim.",
        }
    ]


def _clean_claim(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaner = Cleaner(data, CLAIM_FIELDS, partial=partial)
    cleaner.text("text", max_length=MAX_TEXT, needed=True)
    cleaner.text("summary", max_length=75, needed=True)
    cleaner.text("claimant", max_length=300)
    cleaner.moment("first_seen")
    cleaner.language("language", default="id")
    cleaner.regions("regions")
    topics = cleaner.raw("topics")
    if topics is not MISSING:
        if not isinstance(topics, list) or not all(
            isinstance(t, str) and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", t.strip().lower())
            for t in topics
        ):
            cleaner.error(
                "topics",
                "invalid_topic",
                "Topik berupa slug (huruf kecil, angka, tanda hubung).",
                "Topics are slugs (lower-case letters, digits, hyphens).",
            )
        else:
            cleaner.values["topics"] = list(dict.fromkeys(t.strip().lower() for t in topics))
    return cleaner.done()


def _clean_appearance(
    data: Any, *, principal: Principal, prefix: str = ""
) -> tuple[dict[str, Any], list[FieldError]]:
    cleaner = Cleaner(data, APPEARANCE_FIELDS)
    cleaner.moment("posted_at")
    cleaner.moment("observed_at")
    cleaner.boolean("is_first")
    raw_url = cleaner.raw("url", needed=True)
    if raw_url is not MISSING:
        try:
            if not isinstance(raw_url, str) or len(raw_url) > 2000:
                raise InvalidUrl(str(raw_url))
            normalized = normalize_url(raw_url)
        except InvalidUrl:
            cleaner.error("url", "invalid_url", "URL tidak valid.", "Not a valid http(s) URL.")
        else:
            cleaner.values.update(
                url=raw_url.strip(), normalized_url=normalized, url_key=url_key(normalized)
            )
            cleaner.values["platform"] = platform_for(normalized)
    cleaner.choice("platform", Platform.values)
    screenshot = cleaner.raw("screenshot")
    if screenshot not in (MISSING, None):
        reference, problems = media_reference(screenshot, principal=principal, field="screenshot")
        cleaner.errors.extend(problems)
        cleaner.values["screenshot"] = reference
        cleaner.values["screenshot_asset_id"] = (reference or {}).get("asset")
    errors = [
        FieldError(f"{prefix}{e.field}".rstrip("."), e.code, e.message_id, e.message_en)
        for e in cleaner.errors
    ]
    return cleaner.values, errors


def _claim_reindex(claim: Claim) -> None:
    Claim.objects.filter(pk=claim.pk).update(
        search=SearchVector(Value(claim.summary), weight="A", config=SEARCH_CONFIG)
        + SearchVector(Value(claim.text), weight="B", config=SEARCH_CONFIG)
        + SearchVector(
            Value(" ".join([claim.claimant, *claim.topics])), weight="C", config=SEARCH_CONFIG
        )
    )


def _claim_changed(claim: Claim, action: str, audit_action: str, before=None) -> None:
    after = claim_snapshot(claim)
    audit_record(
        action=audit_action, entity="claim", entity_id=claim.pk, before=before, after=after
    )
    change_record(
        entity="claim",
        entity_id=claim.pk,
        action=action,
        version=claim.version,
        agency_id=claim.agency_id,
        data={"id": claim.pk, "version": claim.version},
    )


def _add_appearance(claim: Claim, values: dict[str, Any], principal: Principal):
    if values.get("is_first"):
        ClaimAppearance.objects.filter(claim=claim, is_first=True).update(is_first=False)
    try:
        with transaction.atomic():
            return ClaimAppearance.objects.create(claim=claim, created_by=principal.label, **values)
    except IntegrityError:
        raise Conflict(
            "Tautan ini sudah tercatat untuk klaim ini.",
            "This link is already recorded for the claim.",
            code="appearance_exists",
        ) from None


@transaction.atomic
def claim_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Claim:
    """Record a circulating claim for `agency`, with its appearances if given.

    The summary is at most 75 characters (ClaimReview's ``claimReviewed``); a
    summary that contains a verdict word is accepted but reported in the
    claim's ``warnings``.
    """
    policy.check_create(principal, Claim, agency.pk)
    raw_appearances = data.get("appearances", []) if isinstance(data, dict) else []
    values = _clean_claim(data, partial=False)
    values.pop("appearances", None)
    appearances, errors = [], []
    if not isinstance(raw_appearances, list):
        errors.append(
            field_error("appearances", "invalid_type", "Harus berupa daftar.", "Must be a list.")
        )
        raw_appearances = []
    for index, raw in enumerate(raw_appearances):
        cleaned, problems = _clean_appearance(
            raw, principal=principal, prefix=f"appearances.{index}."
        )
        appearances.append(cleaned)
        errors.extend(problems)
    if sum(1 for item in appearances if item.get("is_first")) > 1:
        errors.append(
            field_error(
                "appearances",
                "several_first",
                "Hanya satu kemunculan pertama.",
                "Only one appearance can be the first.",
            )
        )
    if len({item.get("url_key") for item in appearances}) < len(appearances):
        errors.append(
            field_error(
                "appearances", "duplicate_url", "Tautan ganda.", "The same link appears twice."
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    claim = Claim.objects.create(
        agency=agency,
        created_by=principal.label,
        region_scope=region_scope(values.get("regions", [])),
        warnings=summary_warnings(values["summary"], verdict_words()),
        **values,
    )
    for item in appearances:
        _add_appearance(claim, item, principal)
    _claim_reindex(claim)
    _claim_changed(claim, "created", "claim.create")
    return claim


@transaction.atomic
def claim_update(
    *,
    principal: Principal,
    claim: Claim,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Claim:
    """Change a claim's description. Published clarifications keep the copy they signed."""
    policy.check(principal, policy.CHANGE, claim)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    check_version(claim.version, expected_version)
    if isinstance(data, dict) and "appearances" in data:
        raise ValidationFailed(
            errors=[
                field_error(
                    "appearances",
                    "use_appearance_endpoint",
                    "Tambahkan kemunculan lewat endpoint appearances.",
                    "Add appearances through the appearances endpoint.",
                )
            ]
        )
    before = claim_snapshot(claim)
    values = _clean_claim(data, partial=True)
    for name, value in values.items():
        setattr(claim, name, value)
    claim.region_scope = region_scope(claim.regions)
    claim.warnings = summary_warnings(claim.summary, verdict_words())
    claim.version += 1
    claim.save()
    _claim_reindex(claim)
    _claim_changed(claim, "updated", "claim.update", before)
    return claim


@transaction.atomic
def claim_appearance_add(
    *, principal: Principal, claim: Claim, data: dict[str, Any]
) -> ClaimAppearance:
    """Record one more place the claim was seen (its link becomes findable by lookup)."""
    policy.check(principal, policy.CHANGE, claim)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    values, errors = _clean_appearance(data, principal=principal)
    if errors:
        raise ValidationFailed(errors=errors)
    appearance = _add_appearance(claim, values, principal)
    claim.version += 1
    claim.save(update_fields=["version", "updated_at"])
    _claim_changed(claim, "updated", "claim.appearance_add")
    return appearance


def _claim_refresh_visibility(claim_id: int) -> None:
    published = Clarification.objects.filter(claim_id=claim_id, status__in=CLARIFICATION_PUBLISHED)
    Claim.objects.filter(pk=claim_id).update(
        is_shared=published.exists(), is_public=published.filter(is_public=True).exists()
    )


# ---------------------------------------------------------------------------
# clarifications

CLARIFICATION_FIELDS = {
    "claim",
    "title",
    "verdict",
    "misinformation_type",
    "rating_explanation",
    "body",
    "conclusion",
    "sources",
    "references",
    "evidence",
    "related",
    "language",
    "is_public",
    "correction_note",
}
# Copied into a correction from the version it corrects.
VERSION_CONTENT = (
    "title",
    "verdict_id",
    "misinformation_type",
    "rating_explanation",
    "body",
    "conclusion",
    "sources",
    "references",
    "evidence",
    "related_ids",
    "language",
)


def _strip_prefix(title: str) -> str:
    prefixes = {p.upper() for p in Verdict.objects.values_list("title_prefix", flat=True)}
    match = re.match(r"^(\[[^\]]{1,40}\])\s*", title)
    if match and match.group(1).upper() in prefixes:
        return title[match.end() :].strip()
    return title


def _clean_sources(cleaner: Cleaner) -> None:
    """At least one official source, always: an edit may change them, never empty them."""
    raw = cleaner.raw("sources", needed=True)
    if raw is MISSING:
        return
    if not isinstance(raw, list) or not raw:
        cleaner.error(
            "sources",
            "source_required",
            "Minimal satu sumber resmi (nama dan URL).",
            "At least one official source (name and URL) is required.",
        )
        return
    sources = []
    slugs = {item.get("agency") for item in raw if isinstance(item, dict) and item.get("agency")}
    known = set(Agency.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    for index, item in enumerate(raw):
        where = f"sources.{index}"
        if not isinstance(item, dict) or set(item) - {"name", "url", "agency"}:
            cleaner.error(
                where,
                "invalid_source",
                'Sumber berupa {"name", "url", "agency"?}.',
                'A source is {"name", "url", "agency"?}.',
            )
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 300:
            cleaner.errors.append(required(f"{where}.name"))
        if not valid_url(item.get("url")):
            cleaner.error(f"{where}.url", "invalid_url", "URL tidak valid.", "Invalid URL.")
        agency = item.get("agency")
        if agency and agency not in known:
            cleaner.error(
                f"{where}.agency", "unknown_agency", "Instansi tidak ada.", "No such agency."
            )
        sources.append(
            {"name": (name or "").strip(), "url": item.get("url"), "agency": agency or None}
        )
    cleaner.values["sources"] = sources


def _clean_references(cleaner: Cleaner) -> None:
    raw = cleaner.raw("references")
    if raw is MISSING:
        return
    if not isinstance(raw, list):
        cleaner.error("references", "invalid_type", "Harus berupa daftar.", "Must be a list.")
        return
    references = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            item = {"url": item}
        if (
            not isinstance(item, dict)
            or set(item) - {"url", "title"}
            or not valid_url(item.get("url"))
            or not isinstance(item.get("title", ""), str)
        ):
            cleaner.error(
                f"references.{index}",
                "invalid_reference",
                'Referensi berupa {"url", "title"?}.',
                'A reference is {"url", "title"?}.',
            )
            continue
        references.append({"url": item["url"], "title": (item.get("title") or "").strip() or None})
    cleaner.values["references"] = references


def _clean_media_list(cleaner: Cleaner, name: str, principal: Principal) -> None:
    raw = cleaner.raw(name)
    if raw is MISSING:
        return
    if not isinstance(raw, list):
        cleaner.error(name, "invalid_type", "Harus berupa daftar.", "Must be a list.")
        return
    items = []
    for index, item in enumerate(raw):
        reference, problems = media_reference(item, principal=principal, field=f"{name}.{index}")
        cleaner.errors.extend(problems)
        if reference is not None:
            items.append(reference)
    cleaner.values[name] = items


def _clean_clarification(
    principal: Principal, data: Any, *, partial: bool, clarification: Clarification | None = None
) -> dict[str, Any]:
    cleaner = Cleaner(data, CLARIFICATION_FIELDS, partial=partial)
    claim_id = cleaner.raw("claim", needed=True)
    if claim_id is not MISSING:
        claim = None
        if isinstance(claim_id, int) and not isinstance(claim_id, bool):
            claim = policy.visible_to(principal, Claim.objects.filter(pk=claim_id)).first()
        if claim is None:
            cleaner.error("claim", "unknown_claim", "Klaim tidak ditemukan.", "No such claim.")
        else:
            cleaner.values["claim"] = claim
    cleaner.text("title", max_length=300, needed=True)
    if "title" in cleaner.values:
        cleaner.values["title"] = _strip_prefix(cleaner.values["title"])
        if not cleaner.values["title"]:
            cleaner.errors.append(required("title"))
    verdict = cleaner.raw("verdict", needed=True)
    if verdict is not MISSING:
        if not isinstance(verdict, str) or not Verdict.objects.filter(code=verdict).exists():
            codes = ", ".join(Verdict.objects.values_list("code", flat=True))
            cleaner.error(
                "verdict",
                "unknown_verdict",
                f"Putusan tidak dikenal. Pilihan: {codes}",
                f"Unknown verdict. Choose from: {codes}",
            )
        else:
            cleaner.values["verdict_id"] = verdict
    if cleaner.raw("misinformation_type") in (None, ""):
        if "misinformation_type" in cleaner.data:
            cleaner.values["misinformation_type"] = ""
    else:
        cleaner.choice("misinformation_type", MisinformationType.values)
    cleaner.text("rating_explanation", max_length=MAX_TEXT)
    cleaner.text("body", max_length=MAX_BODY, needed=True)
    cleaner.text("conclusion", max_length=MAX_TEXT, needed=True)
    cleaner.text("correction_note", max_length=MAX_TEXT)
    cleaner.language("language", default="id")
    cleaner.boolean("is_public")
    _clean_sources(cleaner)
    _clean_references(cleaner)
    _clean_media_list(cleaner, "evidence", principal)
    related = cleaner.raw("related")
    if related is not MISSING:
        ids = related if isinstance(related, list) else None
        if ids is None or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            cleaner.error(
                "related", "invalid_type", "Harus daftar id klarifikasi.", "Must be a list of ids."
            )
        else:
            ids = list(dict.fromkeys(ids))
            visible = set(
                policy.visible_to(principal, Clarification.objects.filter(pk__in=ids))
                .exclude(pk=clarification.pk if clarification else None)
                .values_list("pk", flat=True)
            )
            missing = [i for i in ids if i not in visible]
            if missing:
                cleaner.error(
                    "related",
                    "unknown_clarification",
                    f"Klarifikasi tidak ditemukan: {missing}",
                    f"No such clarifications: {missing}",
                )
            else:
                cleaner.values["related_ids"] = ids
    return cleaner.done()


def clarification_snapshot(clarification: Clarification) -> dict[str, Any]:
    working = clarification.working
    return {
        "id": clarification.pk,
        "agency": clarification.agency_id,
        "claim": clarification.claim_id,
        "status": clarification.status,
        "is_public": clarification.is_public,
        "head_version": clarification.head.number if clarification.head_id else None,
        "working_version": working.number if working else None,
        "working_state": working.state if working else None,
    }


def _clarification_changed(
    clarification: Clarification,
    *,
    audit_action: str,
    action: str,
    before: dict | None,
    version: ClarificationVersion,
    extra: dict | None = None,
) -> None:
    after = clarification_snapshot(clarification)
    audit_record(
        action=audit_action,
        entity="clarification",
        entity_id=clarification.pk,
        before=before,
        after={**after, **(extra or {})},
    )
    data: dict[str, Any] = {
        "id": clarification.pk,
        "status": clarification.status,
        "version": version.number,
    }
    if action == "published":
        data.update(
            title=version.title,
            verdict=version.verdict_id,
            url=documents.clarification_url(clarification.pk),
            public=clarification.is_public,
        )
    if action == "withdrawn":
        data.update(
            withdrawn_at=documents.iso(clarification.withdrawn_at),
            reason=clarification.withdrawal_reason,
        )
    change_record(
        entity="clarification",
        entity_id=clarification.pk,
        action=action,
        version=version.number,
        agency_id=clarification.agency_id,
        data=data,
    )


def _clarification_reindex(clarification: Clarification) -> None:
    version = clarification.head
    claim = clarification.claim
    verdict = version.verdict
    Clarification.objects.filter(pk=clarification.pk).update(
        search=SearchVector(
            Value(f"{version.title} {verdict.label}"), weight="A", config=SEARCH_CONFIG
        )
        + SearchVector(
            Value(f"{claim.summary} {version.conclusion}"), weight="B", config=SEARCH_CONFIG
        )
        + SearchVector(
            Value(f"{version.body} {version.rating_explanation} {claim.text}"),
            weight="C",
            config=SEARCH_CONFIG,
        )
        + SearchVector(Value(" ".join(claim.topics)), weight="D", config=SEARCH_CONFIG)
    )


def _locked(clarification: Clarification, expected_revision: int | None) -> Clarification:
    """The clarification locked for a change, checked against `expected_revision`.

    Its revision counts up here; every change saves the record. The row is locked
    and read alone: its versions, claim and agency are read after the lock, when
    first used. A statement that waited for the lock sees the row as the other
    change left it, but rows joined to it as they were before (PostgreSQL
    re-checks only the locked row): a working version made meanwhile would read
    as missing.
    """
    locked = Clarification.objects.select_for_update().get(pk=clarification.pk)
    check_version(locked.revision, expected_revision, name="revision")
    locked.revision += 1
    return locked


def _lock_working(clarification: Clarification) -> ClarificationVersion | None:
    if clarification.working_id is None:
        return None
    # Alone, as in _locked (joined to its verdict, the lock would take the verdict's row too).
    return ClarificationVersion.objects.select_for_update().get(pk=clarification.working_id)


@transaction.atomic
def clarification_create(
    *, principal: Principal, agency: Agency, data: dict[str, Any]
) -> Clarification:
    """Draft a clarification of a claim for `agency` (version 1, state draft).

    Requires a claim the caller can see, a title, a verdict from the vocabulary,
    the explanation (body) and conclusion, and at least one official source.
    """
    policy.check_create(principal, Clarification, agency.pk)
    values = _clean_clarification(principal, data, partial=False)
    if values.get("correction_note"):
        raise ValidationFailed(
            errors=[
                field_error(
                    "correction_note",
                    "not_a_correction",
                    "Catatan koreksi hanya untuk koreksi.",
                    "A correction note belongs to a correction.",
                )
            ]
        )
    claim = values.pop("claim")
    is_public = values.pop("is_public", True)
    clarification = Clarification.objects.create(
        agency=agency, claim=claim, is_public=is_public, created_by=principal.label
    )
    version = ClarificationVersion.objects.create(
        clarification=clarification, number=1, authors=[principal.label], **values
    )
    clarification.head = clarification.working = version
    clarification.save(update_fields=["head", "working", "updated_at"])
    _clarification_reindex(clarification)
    _clarification_changed(
        clarification,
        audit_action="clarification.create",
        action="created",
        before=None,
        version=version,
    )
    return clarification


@transaction.atomic
def clarification_update(
    *,
    principal: Principal,
    clarification: Clarification,
    data: dict[str, Any],
    expected_revision: int | None = None,
) -> Clarification:
    """Edit the version being drafted (the first draft, or a correction's draft).

    A published version is never edited: with no draft in progress this answers
    ``published_immutable``; a draft in review answers ``locked_in_review``.
    """
    policy.check(principal, policy.CHANGE, clarification)
    clarification = _locked(clarification, expected_revision)
    if clarification.status == Clarification.Status.WITHDRAWN:
        raise _withdrawn()
    version = _lock_working(clarification)
    if version is None:
        raise _published_immutable()
    if version.state != ClarificationVersion.State.DRAFT:
        raise _locked_in_review()
    values = _clean_clarification(principal, data, partial=True, clarification=clarification)
    published_before = clarification.first_published_at is not None
    entity_fields = {name for name in ("claim", "is_public") if name in values}
    if published_before and entity_fields:
        raise Conflict(
            "Klaim dan visibilitas ditetapkan saat pertama terbit.",
            "The claim and visibility were fixed at first publication.",
            code="published_immutable",
            errors=[
                field_error(name, "published_immutable", "Tidak dapat diubah.", "Immutable.")
                for name in sorted(entity_fields)
            ],
        )
    if values.get("correction_note") is not None and version.number == 1:
        raise ValidationFailed(
            errors=[
                field_error(
                    "correction_note",
                    "not_a_correction",
                    "Catatan koreksi hanya untuk koreksi.",
                    "A correction note belongs to a correction.",
                )
            ]
        )
    if version.number > 1 and "correction_note" in values and not values["correction_note"]:
        raise ValidationFailed(errors=[_correction_note_required()])
    before = clarification_snapshot(clarification)
    if "claim" in values:
        clarification.claim = values.pop("claim")
    if "is_public" in values:
        clarification.is_public = values.pop("is_public")
    for name, value in values.items():
        setattr(version, name, value)
    version.authors = _author_list(version.authors, principal)
    version.save()
    clarification.save()
    clarification.refresh_from_db()
    _clarification_reindex(clarification)
    _clarification_changed(
        clarification,
        audit_action="clarification.update",
        action="updated",
        before=before,
        version=version,
    )
    return clarification


def _correction_note_required() -> FieldError:
    return field_error(
        "correction_note",
        "correction_note_required",
        "Koreksi wajib disertai catatan koreksi.",
        "A correction needs a correction note.",
    )


@transaction.atomic
def clarification_submit(
    *, principal: Principal, clarification: Clarification, expected_revision: int | None = None
) -> Clarification:
    """Send the draft version to review (draft → in_review)."""
    policy.check(principal, policy.CHANGE, clarification)
    clarification = _locked(clarification, expected_revision)
    version = _lock_working(clarification)
    if version is None or version.state != ClarificationVersion.State.DRAFT:
        raise _transition_error(version.state if version else clarification.status, "submit")
    before = clarification_snapshot(clarification)
    version.state = ClarificationVersion.State.IN_REVIEW
    version.submitted_by, version.submitted_at = principal.label, _now()
    version.save()
    if clarification.first_published_at is None:
        clarification.status = Clarification.Status.IN_REVIEW
    clarification.save()
    clarification.working = version
    _clarification_changed(
        clarification,
        audit_action="clarification.submit",
        action="updated",
        before=before,
        version=version,
    )
    return clarification


@transaction.atomic
def clarification_approve(
    *, principal: Principal, clarification: Clarification, expected_revision: int | None = None
) -> Clarification:
    """Approve the version in review (in_review → approved).

    Only a verifier of the owning agency who wrote none of this version may
    approve it; an author gets ``four_eyes_required``.
    """
    policy.check(principal, policy.REVIEW, clarification)
    clarification = _locked(clarification, expected_revision)
    version = _lock_working(clarification)
    if version is None or version.state != ClarificationVersion.State.IN_REVIEW:
        raise _transition_error(version.state if version else clarification.status, "approve")
    if principal.label in version.authors:
        raise _four_eyes()
    before = clarification_snapshot(clarification)
    version.state = ClarificationVersion.State.APPROVED
    version.approved_by, version.approved_at = principal.label, _now()
    version.save()
    if clarification.first_published_at is None:
        clarification.status = Clarification.Status.APPROVED
    clarification.save()
    clarification.working = version
    _clarification_changed(
        clarification,
        audit_action="clarification.approve",
        action="updated",
        before=before,
        version=version,
    )
    return clarification


@transaction.atomic
def clarification_reject(
    *,
    principal: Principal,
    clarification: Clarification,
    note: str = "",
    expected_revision: int | None = None,
) -> Clarification:
    """Send the version in review (or approved, not yet published) back to draft."""
    policy.check(principal, policy.REVIEW, clarification)
    clarification = _locked(clarification, expected_revision)
    version = _lock_working(clarification)
    reviewable = (ClarificationVersion.State.IN_REVIEW, ClarificationVersion.State.APPROVED)
    if version is None or version.state not in reviewable:
        raise _transition_error(version.state if version else clarification.status, "reject")
    if not isinstance(note, str) or len(note) > MAX_TEXT:
        raise ValidationFailed(
            errors=[field_error("note", "invalid_type", "Catatan tidak valid.", "Invalid note.")]
        )
    before = clarification_snapshot(clarification)
    version.state = ClarificationVersion.State.DRAFT
    version.review_note = note.strip()
    version.approved_by, version.approved_at = "", None
    version.save()
    if clarification.first_published_at is None:
        clarification.status = Clarification.Status.DRAFT
    clarification.save()
    clarification.working = version
    _clarification_changed(
        clarification,
        audit_action="clarification.reject",
        action="updated",
        before=before,
        version=version,
        extra={"note": version.review_note},
    )
    return clarification


@transaction.atomic
def clarification_publish(
    *, principal: Principal, clarification: Clarification, expected_revision: int | None = None
) -> Clarification:
    """Publish the approved version (approved → published, or → corrected for a correction).

    The version's public document is built, signed with the hub's active key
    and frozen with it; the version it corrects becomes ``superseded`` and stays
    in the history. Readers of other agencies (and anyone, for a public
    clarification) see it from now on.
    """
    policy.check(principal, policy.PUBLISH, clarification)
    clarification = _locked(clarification, expected_revision)
    version = _lock_working(clarification)
    if version is None or version.state != ClarificationVersion.State.APPROVED:
        raise _transition_error(version.state if version else clarification.status, "publish")
    before = clarification_snapshot(clarification)
    now = _now()
    previous = clarification.head if clarification.head_id != version.pk else None
    if previous is not None and previous.state == ClarificationVersion.State.PUBLISHED:
        previous.state = ClarificationVersion.State.SUPERSEDED
        previous.save(update_fields=["state", "updated_at"])
    first_published_at = clarification.first_published_at or now
    claim = clarification.claim
    document = documents.clarification_document(
        clarification=clarification,
        version=version,
        claim=claim,
        appearances=claim.appearances.order_by("-is_first", "posted_at", "id"),
        related=links.related_refs(version.related_ids),
        first_published_at=first_published_at,
        published_at=now,
    )
    signature, kid = document_sign(document)
    version.state = ClarificationVersion.State.PUBLISHED
    version.published_by, version.published_at = principal.label, now
    version.document, version.signature, version.kid = document, signature, kid
    version.save()
    clarification.head = version
    clarification.working = None
    clarification.status = (
        Clarification.Status.PUBLISHED if version.number == 1 else Clarification.Status.CORRECTED
    )
    clarification.first_published_at = first_published_at
    clarification.published_at = now
    clarification.save()
    _claim_refresh_visibility(clarification.claim_id)
    _clarification_reindex(clarification)
    _clarification_changed(
        clarification,
        audit_action="clarification.publish",
        action="published",
        before=before,
        version=version,
        extra={"kid": kid},
    )
    return clarification


@transaction.atomic
def clarification_correct(
    *,
    principal: Principal,
    clarification: Clarification,
    data: dict[str, Any],
    correction_note: str,
    expected_revision: int | None = None,
) -> Clarification:
    """Start a correction: a new draft version, copied from the published one.

    `data` holds the changed fields; `correction_note` says what was corrected
    and is published with the new version. The published version stays as it
    is (and stays what readers get) until the correction is approved and
    published through the same four-eyes workflow.
    """
    policy.check(principal, policy.CHANGE, clarification)
    clarification = _locked(clarification, expected_revision)
    if clarification.status not in CLARIFICATION_PUBLISHED:
        raise _transition_error(clarification.status, "correct")
    if clarification.working_id is not None:
        raise Conflict(
            "Koreksi sedang berlangsung.",
            "A correction is already in progress.",
            code="correction_in_progress",
            extra={"working_version": clarification.working.number},
        )
    if not isinstance(correction_note, str) or not correction_note.strip():
        raise ValidationFailed(errors=[_correction_note_required()])
    data = dict(data or {})
    data.pop("correction_note", None)
    values = _clean_clarification(principal, data, partial=True, clarification=clarification)
    fixed = sorted({"claim", "is_public"} & set(values))
    if fixed:
        raise Conflict(
            "Klaim dan visibilitas ditetapkan saat pertama terbit.",
            "The claim and visibility were fixed at first publication.",
            code="published_immutable",
        )
    before = clarification_snapshot(clarification)
    head = clarification.head
    content = {name: getattr(head, name) for name in VERSION_CONTENT}
    content.update(values)
    number = (clarification.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ClarificationVersion.objects.create(
        clarification=clarification,
        number=number,
        authors=[principal.label],
        correction_note=correction_note.strip(),
        **content,
    )
    clarification.working = version
    clarification.save()
    _clarification_changed(
        clarification,
        audit_action="clarification.correct",
        action="updated",
        before=before,
        version=version,
    )
    return clarification


@transaction.atomic
def clarification_withdraw(
    *,
    principal: Principal,
    clarification: Clarification,
    reason: str,
    expected_revision: int | None = None,
) -> Clarification:
    """Withdraw a published clarification. It stays resolvable as a tombstone.

    Readers get 410 with the reason; the versions stay in the history and their
    signatures stay verifiable (a verification says the item was withdrawn).
    """
    policy.check(principal, policy.PUBLISH, clarification)
    clarification = _locked(clarification, expected_revision)
    if clarification.status not in CLARIFICATION_PUBLISHED:
        raise _transition_error(clarification.status, "withdraw")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(
            errors=[
                field_error(
                    "reason",
                    "reason_required",
                    "Alasan penarikan wajib diisi.",
                    "A reason for the withdrawal is required.",
                )
            ]
        )
    before = clarification_snapshot(clarification)
    clarification.status = Clarification.Status.WITHDRAWN
    clarification.withdrawn_at = _now()
    clarification.withdrawal_reason = reason.strip()[:MAX_TEXT]
    clarification.working = None
    clarification.save()
    _claim_refresh_visibility(clarification.claim_id)
    _clarification_changed(
        clarification,
        audit_action="clarification.withdraw",
        action="withdrawn",
        before=before,
        version=clarification.head,
    )
    return clarification


# ---------------------------------------------------------------------------
# bulletins

BULLETIN_FIELDS = {
    "cap_status",
    "msg_type",
    "scope",
    "restriction",
    "addresses",
    "note",
    "references",
    "incidents",
    "event",
    "categories",
    "response_types",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "effective",
    "onset",
    "expires",
    "web",
    "contact",
    "parameters",
    "infos",
    "areas",
    "resources",
    "related_clarifications",
}
INFO_FIELDS = {"language", "headline", "description", "instruction"}
AREA_FIELDS = {"area_desc", "region", "polygons", "circles"}
PRIMARY_LANGUAGE = "id-ID"
# Copied into an Update or Cancel from the message it follows.
BULLETIN_CONTENT = (
    "cap_status",
    "scope",
    "restriction",
    "addresses",
    "incidents",
    "event",
    "categories",
    "response_types",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "effective",
    "onset",
    "expires",
    "web",
    "contact",
    "parameters",
    "infos",
    "areas",
    "resources",
    "region_codes",
    "region_scope",
    "related_clarification_ids",
)


# What a Cancel says until its author writes otherwise, by the language of each text:
# a mark before the headline and, as the instruction, that the warning is withdrawn.
CANCEL_TEXTS = {
    PRIMARY_LANGUAGE: (
        "[DIBATALKAN]",
        "Peringatan ini dicabut. Tidak ada lagi tindakan yang diminta; "
        "ikuti informasi resmi dari petugas setempat.",
    ),
    "en": (
        "[CANCELLED]",
        "This warning is withdrawn. No further action is required; "
        "follow official information from local authorities.",
    ),
}


def _cancel_defaults(cancel: Bulletin) -> None:
    """Make a Cancel drafted from the message it cancels say that the warning is over.

    CAP 1.2: responseType ``AllClear`` ("the subject event no longer poses a
    threat"), urgency ``Past`` ("responsive action is no longer required") and
    severity ``Minor``; each text keeps its description, its headline is marked
    and its instruction says the warning is withdrawn (texts in a language
    other than Indonesian get the English). Never the cancelled message's call
    to evacuate. The author may change any of it before review.
    """
    cancel.response_types = ["AllClear"]
    cancel.urgency, cancel.severity = "Past", "Minor"
    infos = []
    for info in cancel.infos:
        mark, instruction = CANCEL_TEXTS.get(info["language"], CANCEL_TEXTS["en"])
        headline = info["headline"]
        if not headline.startswith(mark):
            headline = f"{mark} {headline}"[:160]
        infos.append({**info, "headline": headline, "instruction": instruction})
    cancel.infos = infos


def cap_sender(agency: Agency) -> str:
    """The agency's registered CAP sender id.

    An identifier with scheme ``cap`` wins; else the agency's first official
    domain; else ``<slug>.simpul.go.id``. Always a valid CAP identifier.
    """
    for item in agency.identifiers or []:
        if item.get("scheme") == "cap" and valid_identifier(item.get("value")):
            return item["value"]
    for domain in agency.official_domains or []:
        if valid_identifier(domain):
            return domain
    return f"{agency.slug}.simpul.go.id"


def _new_identifier(agency: Agency) -> str:
    return f"{cap_sender(agency)}.{timezone.now():%Y%m%dT%H%M%S}.{secrets.token_hex(4)}"


def _clean_infos(cleaner: Cleaner, response_types: list[str]) -> None:
    raw = cleaner.raw("infos", needed=True)
    if raw is MISSING:
        return
    if not isinstance(raw, list) or not raw:
        cleaner.error(
            "infos",
            "info_required",
            "Minimal satu info berbahasa Indonesia (id-ID).",
            "At least one info in Indonesian (id-ID) is required.",
        )
        return
    needs_instruction = bool(RESPONSES_NEEDING_INSTRUCTION & set(response_types))
    infos, languages = [], set()
    for index, item in enumerate(raw):
        where = f"infos.{index}"
        sub = Cleaner(item, INFO_FIELDS)
        sub.language("language")
        if sub.raw("language") is MISSING:
            sub.errors.append(required("language"))
        sub.text("headline", max_length=160, needed=True)
        sub.text("description", max_length=MAX_TEXT, needed=True)
        sub.text("instruction", max_length=MAX_TEXT, needed=needs_instruction)
        if needs_instruction and not sub.values.get("instruction") and "instruction" in sub.data:
            sub.errors.append(required("instruction"))
        for error in sub.errors:
            cleaner.errors.append(FieldError(f"{where}.{error.field}".rstrip("."), *_rest(error)))
        language = sub.values.get("language")
        if language:
            language = PRIMARY_LANGUAGE if language.lower() in ("id", "id-id") else language
            if language.lower() in languages:
                cleaner.error(
                    f"{where}.language",
                    "duplicate_language",
                    "Satu info per bahasa.",
                    "One info per language.",
                )
            languages.add(language.lower())
            infos.append({**sub.values, "language": language})
    if PRIMARY_LANGUAGE.lower() not in languages:
        cleaner.error(
            "infos",
            "info_required",
            "Minimal satu info berbahasa Indonesia (id-ID).",
            "At least one info in Indonesian (id-ID) is required.",
        )
    # Indonesian first: it is the message's primary language and its search snippet.
    infos.sort(key=lambda info: info["language"] != PRIMARY_LANGUAGE)
    cleaner.values["infos"] = [
        {
            "language": info["language"],
            "headline": info.get("headline", ""),
            "description": info.get("description", ""),
            "instruction": info.get("instruction") or "",
        }
        for info in infos
    ]


def _rest(error: FieldError) -> tuple[str, str, str]:
    return error.code, error.message_id, error.message_en


# Half the Earth's circumference: no circle on it has a larger radius.
MAX_RADIUS_KM = 20_038
OUTSIDE = ("outside_indonesia", "Di luar wilayah Indonesia.", "Outside Indonesia's bounds.")


def _number(raw: Any) -> float | None:
    """A JSON number as a finite float; None for anything else (booleans included)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        number = float(raw)
    except OverflowError:  # an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _point(raw: Any) -> tuple[float, float] | None:
    """A ``[lat, lon]`` pair of WGS 84 coordinates in range; None when it is not one."""
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None
    lat, lon = _number(raw[0]), _number(raw[1])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _clean_polygons(sub: Cleaner, raw: list) -> list[list[list[float]]]:
    """Rings of ``[lat, lon]`` points, closed as CAP requires (the first point again last)."""
    polygons = []
    for index, ring in enumerate(raw):
        where = f"polygons.{index}"
        points = [_point(p) for p in ring] if isinstance(ring, list) else [None]
        if any(p is None for p in points):
            sub.error(
                where,
                "invalid_polygon",
                "Poligon berupa daftar [lintang, bujur] (lintang -90..90, bujur -180..180).",
                "A polygon is a list of [lat, lon] points (lat -90..90, lon -180..180).",
            )
            continue
        try:
            polygon_to_cap(points)  # at least three distinct points
        except ValueError:
            sub.error(
                where,
                "invalid_polygon",
                "Poligon minimal tiga titik berbeda.",
                "A polygon needs three distinct points.",
            )
            continue
        if not all(inside_indonesia(lat, lon) for lat, lon in points):
            sub.error(where, *OUTSIDE)
            continue
        if points[0] != points[-1]:
            points.append(points[0])
        polygons.append([list(p) for p in points])
    return polygons


def _clean_circles(sub: Cleaner, raw: list) -> list[dict[str, float]]:
    """Circles ``{"lat", "lon", "radius_km"}``; the radius more than 0, at most MAX_RADIUS_KM."""
    circles = []
    for index, circle in enumerate(raw):
        where = f"circles.{index}"
        ok = isinstance(circle, dict) and set(circle) == {"lat", "lon", "radius_km"}
        center = _point([circle["lat"], circle["lon"]]) if ok else None
        if center is None:
            sub.error(
                where,
                "invalid_circle",
                'Lingkaran berupa {"lat", "lon", "radius_km"} (lintang -90..90, bujur -180..180).',
                'A circle is {"lat", "lon", "radius_km"} (lat -90..90, lon -180..180).',
            )
            continue
        radius = _number(circle["radius_km"])
        if radius is None or not 0 < radius <= MAX_RADIUS_KM:
            sub.error(
                f"{where}.radius_km",
                "invalid_radius",
                f"Jari-jari dalam km, lebih dari 0 dan paling besar {MAX_RADIUS_KM}.",
                f"The radius in km, more than 0 and at most {MAX_RADIUS_KM}.",
            )
            continue
        if not inside_indonesia(*center):
            sub.error(where, *OUTSIDE)
            continue
        circles.append({"lat": center[0], "lon": center[1], "radius_km": radius})
    return circles


def _clean_areas(cleaner: Cleaner) -> None:
    """Every field of every area checked (type, range, CAP shape) before anything is stored."""
    raw = cleaner.raw("areas", needed=True)
    if raw is MISSING:
        return
    if not isinstance(raw, list) or not raw:
        cleaner.error(
            "areas", "area_required", "Minimal satu wilayah.", "At least one area is required."
        )
        return
    codes = {i["region"] for i in raw if isinstance(i, dict) and isinstance(i.get("region"), str)}
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    areas = []
    for index, item in enumerate(raw):
        where = f"areas.{index}"
        sub = Cleaner(item, AREA_FIELDS)
        sub.text("area_desc", max_length=500, needed=True)
        region = sub.raw("region", needed=True)
        if region is not MISSING and not isinstance(region, str):
            sub.error("region", "invalid_type", "Harus berupa kode wilayah.", "Must be a code.")
        elif region is not MISSING and region not in known:
            sub.error(
                "region",
                "unknown_region",
                "Kode wilayah tidak dikenal.",
                f"Unknown region code {region!r}.",
            )
        shapes = {"polygons": [], "circles": []}
        for name, clean in (("polygons", _clean_polygons), ("circles", _clean_circles)):
            value = sub.raw(name)
            if value is MISSING:
                continue
            if not isinstance(value, list):
                sub.error(name, "invalid_type", "Harus berupa daftar.", "Must be a list.")
                continue
            shapes[name] = clean(sub, value)
        for error in sub.errors:
            cleaner.errors.append(FieldError(f"{where}.{error.field}".rstrip("."), *_rest(error)))
        areas.append(
            {
                "area_desc": sub.values.get("area_desc", ""),
                "region": region if region is not MISSING else None,
                **shapes,
            }
        )
    cleaner.values["areas"] = areas


def _clean_parameters(cleaner: Cleaner) -> None:
    raw = cleaner.raw("parameters")
    if raw is MISSING:
        return
    ok = isinstance(raw, list) and all(
        isinstance(item, dict)
        and set(item) == {"valueName", "value"}
        and all(isinstance(v, str) and v.strip() for v in item.values())
        for item in raw
    )
    if not ok:
        cleaner.error(
            "parameters",
            "invalid_parameters",
            'Parameter berupa daftar {"valueName", "value"}.',
            'Parameters are a list of {"valueName", "value"}.',
        )
    else:
        cleaner.values["parameters"] = raw


def _clean_bulletin(
    principal: Principal, data: Any, *, partial: bool, bulletin: Bulletin | None = None
) -> dict[str, Any]:
    cleaner = Cleaner(data, BULLETIN_FIELDS, partial=partial)
    cleaner.choice("cap_status", CapStatus.values, default=CapStatus.ACTUAL)
    cleaner.choice("msg_type", MsgType.values, default=MsgType.ALERT)
    cleaner.choice("scope", Scope.values, default=Scope.PUBLIC)
    cleaner.text("restriction", max_length=500)
    cleaner.text("addresses", max_length=2000)
    cleaner.text("note", max_length=2000)
    cleaner.text("incidents", max_length=500)
    cleaner.choice("event", list(EVENTS), needed=True)
    cleaner.choices("categories", CATEGORIES)
    cleaner.choices("response_types", RESPONSE_TYPES)
    cleaner.choice("urgency", URGENCIES, needed=True)
    cleaner.choice("severity", SEVERITIES, needed=True)
    cleaner.choice("certainty", CERTAINTIES, needed=True)
    cleaner.text("audience", max_length=300)
    for name in ("effective", "onset", "expires"):
        cleaner.moment(name)
    cleaner.url("web")
    cleaner.text("contact", max_length=300)
    _clean_parameters(cleaner)
    response_types = cleaner.values.get(
        "response_types", list(bulletin.response_types) if bulletin else []
    )
    if "infos" in cleaner.data or not partial or "response_types" in cleaner.values:
        if "infos" not in cleaner.data and bulletin is not None:
            cleaner.data = {**cleaner.data, "infos": bulletin.infos}
        _clean_infos(cleaner, response_types)
    _clean_areas(cleaner)
    raw_resources = cleaner.raw("resources")
    if raw_resources is not MISSING:
        if not isinstance(raw_resources, list):
            cleaner.error("resources", "invalid_type", "Harus berupa daftar.", "Must be a list.")
        else:
            resources = []
            for index, item in enumerate(raw_resources):
                reference, problems = media_reference(
                    item, principal=principal, field=f"resources.{index}"
                )
                cleaner.errors.extend(problems)
                if reference is not None:
                    resources.append(reference)
            cleaner.values["resources"] = resources
    references = cleaner.raw("references")
    if references is not MISSING:
        if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
            cleaner.error(
                "references", "invalid_type", "Harus daftar identifier.", "Must be identifiers."
            )
        else:
            references = list(dict.fromkeys(references))
            found = set(
                policy.visible_to(principal, Bulletin.objects.filter(identifier__in=references))
                .filter(status__in=BULLETIN_PUBLISHED)
                .values_list("identifier", flat=True)
            )
            missing = [r for r in references if r not in found]
            if missing:
                cleaner.error(
                    "references",
                    "unknown_reference",
                    "Buletin rujukan tidak ditemukan atau belum terbit: " + ", ".join(missing),
                    "Referenced bulletins not found or not published: " + ", ".join(missing),
                )
            else:
                cleaner.values["references"] = references
    related = cleaner.raw("related_clarifications")
    if related is not MISSING:
        ok = isinstance(related, list) and all(
            isinstance(i, int) and not isinstance(i, bool) for i in related
        )
        ids = list(dict.fromkeys(related)) if ok else []
        visible = set(
            policy.visible_to(principal, Clarification.objects.filter(pk__in=ids))
            .filter(status__in=CLARIFICATION_PUBLISHED)
            .values_list("pk", flat=True)
        )
        if not ok or set(ids) - visible:
            cleaner.error(
                "related_clarifications",
                "unknown_clarification",
                "Klarifikasi terkait tidak ditemukan atau belum terbit.",
                "Related clarifications not found or not published.",
            )
        else:
            cleaner.values["related_clarification_ids"] = ids
    values = cleaner.done()
    values.pop("related_clarifications", None)
    return values


def _bulletin_rules(bulletin: Bulletin) -> list[FieldError]:
    """Rules across fields, checked on the bulletin as it would be stored."""
    errors = []
    if bulletin.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and not bulletin.references:
        errors.append(
            field_error(
                "references",
                "references_required",
                "Update dan Cancel wajib merujuk buletin sebelumnya.",
                "An Update or Cancel must reference earlier bulletins.",
            )
        )
    if bulletin.msg_type == MsgType.ALERT and bulletin.references:
        errors.append(
            field_error(
                "references",
                "references_not_allowed",
                "Alert tidak merujuk buletin lain; gunakan Update.",
                "An Alert references nothing; issue an Update instead.",
            )
        )
    calls = CALLS_TO_ACTION & set(bulletin.response_types)
    if bulletin.msg_type == MsgType.CANCEL and calls:
        errors.append(
            field_error(
                "response_types",
                "not_for_cancel",
                "Pembatalan tidak meminta tindakan (" + "/".join(sorted(calls)) + "); "
                "gunakan AllClear.",
                "A Cancel asks for no action (" + "/".join(sorted(calls)) + "); use AllClear.",
            )
        )
    if bulletin.scope == Scope.RESTRICTED and not bulletin.restriction:
        errors.append(required("restriction"))
    if bulletin.scope == Scope.PRIVATE and not bulletin.addresses:
        errors.append(required("addresses"))
    start = bulletin.effective or bulletin.onset
    if bulletin.expires and bulletin.effective and bulletin.expires <= bulletin.effective:
        errors.append(
            field_error(
                "expires",
                "expires_before_effective",
                "Waktu kedaluwarsa harus setelah waktu berlaku.",
                "expires must be after effective.",
            )
        )
    elif bulletin.expires and start and bulletin.expires <= start:
        errors.append(
            field_error(
                "expires",
                "expires_before_onset",
                "Waktu kedaluwarsa harus setelah waktu mulai.",
                "expires must be after onset.",
            )
        )
    needs = RESPONSES_NEEDING_INSTRUCTION & set(bulletin.response_types)
    if needs:
        for index, info in enumerate(bulletin.infos):
            if not info.get("instruction"):
                errors.append(
                    field_error(
                        f"infos.{index}.instruction",
                        "instruction_required",
                        "Instruksi wajib untuk " + "/".join(sorted(needs)) + ".",
                        "An instruction is required for " + "/".join(sorted(needs)) + ".",
                    )
                )
    return errors


def bulletin_snapshot(bulletin: Bulletin) -> dict[str, Any]:
    return {
        "id": bulletin.pk,
        "identifier": bulletin.identifier,
        "agency": bulletin.agency_id,
        "status": bulletin.status,
        "cap_status": bulletin.cap_status,
        "msg_type": bulletin.msg_type,
        "scope": bulletin.scope,
        "event": bulletin.event,
        "references": list(bulletin.references),
        "expires": bulletin.expires,
    }


def _bulletin_changed(
    bulletin: Bulletin, *, audit_action: str, action: str, before: dict | None, extra=None
) -> None:
    audit_record(
        action=audit_action,
        entity="bulletin",
        entity_id=bulletin.pk,
        before=before,
        after={**bulletin_snapshot(bulletin), **(extra or {})},
    )
    data: dict[str, Any] = {
        "id": bulletin.pk,
        "identifier": bulletin.identifier,
        "status": bulletin.status,
    }
    if bulletin.status in BULLETIN_PUBLISHED:
        data.update(
            msg_type=bulletin.msg_type,
            cap_status=bulletin.cap_status,
            scope=bulletin.scope,
            cap_url=documents.cap_url(bulletin.identifier),
        )
    if action == "withdrawn":
        data.update(
            withdrawn_at=documents.iso(bulletin.withdrawn_at), reason=bulletin.withdrawal_reason
        )
    change_record(
        entity="bulletin",
        entity_id=bulletin.pk,
        action=action,
        version=bulletin.version,
        agency_id=bulletin.agency_id,
        data=data,
    )


def _bulletin_reindex(bulletin: Bulletin) -> None:
    event = EVENTS[bulletin.event]
    headlines = " ".join(info["headline"] for info in bulletin.infos)
    texts = " ".join(f"{i['description']} {i.get('instruction', '')}" for i in bulletin.infos)
    places = " ".join(area["area_desc"] for area in bulletin.areas)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        search=SearchVector(Value(headlines), weight="A", config=SEARCH_CONFIG)
        + SearchVector(
            Value(f"{event.label_id} {event.label_en} {places}"), weight="B", config=SEARCH_CONFIG
        )
        + SearchVector(Value(texts), weight="C", config=SEARCH_CONFIG)
    )


def _apply_bulletin_values(bulletin: Bulletin, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(bulletin, name, value)
    if "event" in values and "categories" not in values:
        bulletin.categories = [EVENTS[bulletin.event].category]
    if not bulletin.categories and bulletin.event in EVENTS:
        bulletin.categories = [EVENTS[bulletin.event].category]
    if "areas" in values:
        bulletin.region_codes = list(dict.fromkeys(a["region"] for a in bulletin.areas))
        bulletin.region_scope = region_scope(bulletin.region_codes)


def _locked_bulletin(bulletin: Bulletin, expected_version: int | None) -> Bulletin:
    """The bulletin locked for a change (or a follow-up), checked against `expected_version`.

    Locked and read alone, as in :func:`_locked`; its agency is read when first used.
    """
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    check_version(locked.version, expected_version)
    return locked


@transaction.atomic
def bulletin_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Bulletin:
    """Draft a crisis bulletin (one CAP message) for `agency`.

    The CAP identifier and sender are fixed here and never change. Without a
    ``contact``, the area's official hotline (or the agency's website) is used.
    """
    policy.check_create(principal, Bulletin, agency.pk)
    values = _clean_bulletin(principal, data, partial=False)
    bulletin = Bulletin(
        agency=agency,
        identifier=_new_identifier(agency),
        sender=cap_sender(agency),
        created_by=principal.label,
        authors=[principal.label],
    )
    _apply_bulletin_values(bulletin, values)
    if not bulletin.contact:
        bulletin.contact = links.contact_text(agency, bulletin.region_codes)
    errors = _bulletin_rules(bulletin)
    if errors:
        raise ValidationFailed(errors=errors)
    bulletin.save()
    _bulletin_reindex(bulletin)
    _bulletin_changed(bulletin, audit_action="bulletin.create", action="created", before=None)
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    principal: Principal,
    bulletin: Bulletin,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Bulletin:
    """Edit a draft bulletin. Published ones answer ``published_immutable``."""
    policy.check(principal, policy.CHANGE, bulletin)
    bulletin = _locked_bulletin(bulletin, expected_version)
    if bulletin.status == Bulletin.Status.WITHDRAWN:
        raise _withdrawn()
    if bulletin.status in BULLETIN_PUBLISHED:
        raise _published_immutable()
    if bulletin.status != Bulletin.Status.DRAFT:
        raise _locked_in_review()
    before = bulletin_snapshot(bulletin)
    values = _clean_bulletin(principal, data, partial=True, bulletin=bulletin)
    _apply_bulletin_values(bulletin, values)
    errors = _bulletin_rules(bulletin)
    if errors:
        raise ValidationFailed(errors=errors)
    bulletin.authors = _author_list(bulletin.authors, principal)
    bulletin.version += 1
    bulletin.save()
    _bulletin_reindex(bulletin)
    _bulletin_changed(bulletin, audit_action="bulletin.update", action="updated", before=before)
    return bulletin


def _bulletin_move(
    principal: Principal,
    bulletin: Bulletin,
    *,
    action: str,
    permission: str,
    allowed_from: tuple[str, ...],
    expected_version: int | None,
) -> tuple[Bulletin, dict]:
    """The bulletin locked for a move and its snapshot before; its version counts up."""
    policy.check(principal, permission, bulletin)
    bulletin = _locked_bulletin(bulletin, expected_version)
    if bulletin.status not in allowed_from:
        raise _transition_error(bulletin.status, action)
    before = bulletin_snapshot(bulletin)
    bulletin.version += 1
    return bulletin, before


@transaction.atomic
def bulletin_submit(
    *, principal: Principal, bulletin: Bulletin, expected_version: int | None = None
) -> Bulletin:
    """Send a draft bulletin to review."""
    bulletin, before = _bulletin_move(
        principal,
        bulletin,
        action="submit",
        permission=policy.CHANGE,
        allowed_from=(Bulletin.Status.DRAFT,),
        expected_version=expected_version,
    )
    bulletin.status = Bulletin.Status.IN_REVIEW
    bulletin.submitted_by, bulletin.submitted_at = principal.label, _now()
    bulletin.save()
    _bulletin_changed(bulletin, audit_action="bulletin.submit", action="updated", before=before)
    return bulletin


@transaction.atomic
def bulletin_approve(
    *, principal: Principal, bulletin: Bulletin, expected_version: int | None = None
) -> Bulletin:
    """Approve a bulletin in review; its authors cannot (four eyes)."""
    bulletin, before = _bulletin_move(
        principal,
        bulletin,
        action="approve",
        permission=policy.REVIEW,
        allowed_from=(Bulletin.Status.IN_REVIEW,),
        expected_version=expected_version,
    )
    if principal.label in bulletin.authors:
        raise _four_eyes()
    bulletin.status = Bulletin.Status.APPROVED
    bulletin.approved_by, bulletin.approved_at = principal.label, _now()
    bulletin.save()
    _bulletin_changed(bulletin, audit_action="bulletin.approve", action="updated", before=before)
    return bulletin


@transaction.atomic
def bulletin_reject(
    *, principal: Principal, bulletin: Bulletin, note: str = "", expected_version: int | None = None
) -> Bulletin:
    """Send a bulletin in review (or approved, not yet published) back to draft."""
    bulletin, before = _bulletin_move(
        principal,
        bulletin,
        action="reject",
        permission=policy.REVIEW,
        allowed_from=(Bulletin.Status.IN_REVIEW, Bulletin.Status.APPROVED),
        expected_version=expected_version,
    )
    bulletin.status = Bulletin.Status.DRAFT
    bulletin.review_note = (note or "").strip()[:MAX_TEXT] if isinstance(note, str) else ""
    bulletin.approved_by, bulletin.approved_at = "", None
    bulletin.save()
    _bulletin_changed(bulletin, audit_action="bulletin.reject", action="updated", before=before)
    return bulletin


@transaction.atomic
def bulletin_publish(
    *, principal: Principal, bulletin: Bulletin, expected_version: int | None = None
) -> Bulletin:
    """Issue an approved bulletin: stamp ``sent``, build, validate and sign its CAP message.

    The CAP XML must validate against the CAP 1.2 schema, else nothing is
    published (``cap_invalid``). Publishing an Update supersedes, and a Cancel
    cancels, the bulletins it references: they leave the active feed.
    """
    bulletin, before = _bulletin_move(
        principal,
        bulletin,
        action="publish",
        permission=policy.PUBLISH,
        allowed_from=(Bulletin.Status.APPROVED,),
        expected_version=expected_version,
    )
    now = _now()
    bulletin.sent = now
    effective = bulletin.effective or now
    if bulletin.expires and bulletin.expires <= effective:
        raise ValidationFailed(
            errors=[
                field_error(
                    "expires",
                    "expires_before_effective",
                    "Waktu kedaluwarsa harus setelah waktu berlaku (waktu terbit).",
                    "expires must be after effective (the sending time).",
                )
            ]
        )
    predecessors = list(
        Bulletin.objects.select_for_update()
        .filter(identifier__in=bulletin.references)
        .order_by("sent", "id")
    )
    _check_follows_the_latest(bulletin, predecessors)
    references = [
        (p.sender, p.identifier, cap_datetime(p.sent, documents.time_region(p.region_codes)))
        for p in predecessors
    ]
    alert = documents.bulletin_alert(bulletin, references=references)
    xml = build_alert(alert)
    try:
        validate(xml)
    except CapInvalid as exc:
        raise Unprocessable(
            "Pesan CAP tidak sah menurut skema CAP 1.2.",
            "The CAP message does not validate against the CAP 1.2 schema.",
            code="cap_invalid",
            extra={"cap_errors": exc.errors},
        ) from None
    document = documents.bulletin_document(
        bulletin,
        alert=alert,
        **links.bulletin_links(bulletin),
    )
    signature, kid = document_sign(document)
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_by = principal.label
    bulletin.document, bulletin.signature, bulletin.kid = document, signature, kid
    bulletin.cap_xml = xml.decode("utf-8")
    bulletin.save()
    follow = {
        MsgType.UPDATE: Bulletin.Status.SUPERSEDED,
        MsgType.CANCEL: Bulletin.Status.CANCELLED,
    }.get(bulletin.msg_type)
    if follow:
        for predecessor in predecessors:
            if predecessor.status in (Bulletin.Status.PUBLISHED, Bulletin.Status.SUPERSEDED):
                earlier = bulletin_snapshot(predecessor)
                predecessor.status = follow
                predecessor.version += 1
                predecessor.save(update_fields=["status", "version", "updated_at"])
                _bulletin_changed(
                    predecessor,
                    audit_action=f"bulletin.{follow}",
                    action="updated",
                    before=earlier,
                    extra={"by": bulletin.identifier},
                )
    _bulletin_changed(
        bulletin,
        audit_action="bulletin.publish",
        action="published",
        before=before,
        extra={"kid": kid},
    )
    return bulletin


def _check_follows_the_latest(bulletin: Bulletin, predecessors: list[Bulletin]) -> None:
    """An Update or Cancel must follow the message in force, not one already replaced.

    Drafted from alert A, a Cancel published after someone else's Update U of
    A would cancel A only and leave U in force: the chain would split. The
    newest message it references must still be published (409 otherwise; draft
    the follow-up again from the latest message).
    """
    if bulletin.msg_type not in (MsgType.UPDATE, MsgType.CANCEL) or not predecessors:
        return
    latest = predecessors[-1]
    if latest.status != Bulletin.Status.PUBLISHED:
        raise Conflict(
            f"Pesan yang diikuti ({latest.identifier}) sudah {latest.status}; "
            "buat tindak lanjut dari pesan terbaru.",
            f"The message this follows ({latest.identifier}) is already {latest.status}; "
            "follow the latest message instead.",
            code="follows_replaced",
            extra={"identifier": latest.identifier, "status": latest.status},
        )


@transaction.atomic
def bulletin_follow_up(
    *,
    principal: Principal,
    bulletin: Bulletin,
    msg_type: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Bulletin:
    """Draft the next CAP message about a published bulletin: an Update or a Cancel.

    The new draft copies the bulletin's content, references it (and what it
    referenced), takes the changes in `data`, and goes through the same
    four-eyes workflow. The published bulletin itself never changes. A Cancel
    starts from what a Cancel says (:func:`_cancel_defaults`), not from the
    cancelled message's call to act, and may not ask anyone to act.
    """
    policy.check(principal, policy.CHANGE, bulletin)
    if msg_type not in (MsgType.UPDATE, MsgType.CANCEL):
        raise ValidationFailed(
            errors=[
                field_error("msg_type", "invalid_choice", "Update/Cancel.", "Update or Cancel.")
            ]
        )
    original = _locked_bulletin(bulletin, expected_version)
    if original.status != Bulletin.Status.PUBLISHED:
        action = "correct" if msg_type == MsgType.UPDATE else "cancel"
        raise _transition_error(original.status, action)
    data = dict(data or {})
    for fixed in ("msg_type", "references"):
        data.pop(fixed, None)
    follow = Bulletin(
        agency=original.agency,
        identifier=_new_identifier(original.agency),
        sender=original.sender,
        msg_type=msg_type,
        references=list(dict.fromkeys([*original.references, original.identifier])),
        created_by=principal.label,
        authors=[principal.label],
        **{name: getattr(original, name) for name in BULLETIN_CONTENT},
    )
    if msg_type == MsgType.CANCEL:
        _cancel_defaults(follow)
    values = _clean_bulletin(principal, data, partial=True, bulletin=follow)
    _apply_bulletin_values(follow, values)
    errors = _bulletin_rules(follow)
    if errors:
        raise ValidationFailed(errors=errors)
    follow.save()
    _bulletin_reindex(follow)
    _bulletin_changed(
        follow,
        audit_action=f"bulletin.{msg_type.lower()}_draft",
        action="created",
        before=None,
        extra={"follows": original.identifier},
    )
    return follow


@transaction.atomic
def bulletin_withdraw(
    *, principal: Principal, bulletin: Bulletin, reason: str, expected_version: int | None = None
) -> Bulletin:
    """Withdraw a bulletin issued in error. It resolves as a tombstone (410).

    To call off a real event, publish a Cancel instead: CAP receivers understand it.
    """
    bulletin, before = _bulletin_move(
        principal,
        bulletin,
        action="withdraw",
        permission=policy.PUBLISH,
        allowed_from=BULLETIN_PUBLISHED,
        expected_version=expected_version,
    )
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed(
            errors=[
                field_error(
                    "reason",
                    "reason_required",
                    "Alasan penarikan wajib diisi.",
                    "A reason for the withdrawal is required.",
                )
            ]
        )
    bulletin.status = Bulletin.Status.WITHDRAWN
    bulletin.withdrawn_at = _now()
    bulletin.withdrawal_reason = reason.strip()[:MAX_TEXT]
    bulletin.save()
    _bulletin_changed(bulletin, audit_action="bulletin.withdraw", action="withdrawn", before=before)
    return bulletin
