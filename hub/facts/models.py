"""Verified facts and crisis bulletins: claims, clarifications (versioned), CAP bulletins,
the verdict vocabulary and the hub's signing keys.

Published content never changes in place. A clarification keeps every version as a
row; a published or superseded version is frozen (a database trigger refuses any
change but ``published → superseded``). A bulletin is one CAP message: once
published it is frozen too, and later news is a new bulletin (``Update`` or
``Cancel``) that references it.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from agencies.models import Agency
from hub.facts.vocab import (
    EVENT_CHOICES,
    CapStatus,
    MisinformationType,
    MsgType,
    Platform,
    Scope,
)


class Verdict(models.Model):
    """One rating of the verdict vocabulary (``hoaks``, ``fakta``, …).

    ``code`` is stable and part of the API; labels, title prefix, rating and the
    ClaimReview ``alternateName`` are edited by admins. Published versions keep a
    copy of the labels they were published with, so editing a label never alters a
    signed document.
    """

    code = models.SlugField(max_length=30, primary_key=True)
    label = models.CharField(max_length=100, help_text="Indonesian label")
    label_en = models.CharField(max_length=100)
    title_prefix = models.CharField(max_length=40, help_text="e.g. [HOAKS]")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="ClaimReview ratingValue: 1 (false) … 5 (true)",
    )
    alternate_name = models.CharField(
        max_length=100, help_text="ClaimReview alternateName (Indonesian)"
    )
    alternate_name_en = models.CharField(max_length=100)
    is_rating = models.BooleanField(
        default=True, help_text="False for an official statement that rates nothing"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="verdict_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title_prefix} {self.label}"


class Claim(models.Model):
    """A rumour as it circulates, recorded by the agency that tracks it.

    ``regions`` are the region codes the claim concerns; ``region_scope`` adds
    every ancestor of them, so "claims in province 35" is one indexed containment
    test that also finds claims tagged with its regencies. ``is_shared`` and
    ``is_public`` say whether a published clarification (a public one) reviews
    the claim; the services keep them current. ``warnings`` are the problems
    found when the claim was last written that did not stop it (a summary that
    names a verdict).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="claims")
    text = models.TextField()
    summary = models.CharField(max_length=75, help_text="≤ 75 characters, without the verdict")
    claimant = models.CharField(max_length=300, blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    topics = ArrayField(models.SlugField(max_length=50), default=list, blank=True)
    regions = ArrayField(models.CharField(max_length=13), default=list, blank=True)
    region_scope = ArrayField(models.CharField(max_length=13), default=list, editable=False)
    language = models.CharField(max_length=35, default="id", help_text="BCP 47")
    warnings = models.JSONField(default=list, blank=True, editable=False)
    is_shared = models.BooleanField(default=False, editable=False)
    is_public = models.BooleanField(default=False, editable=False)
    search = SearchVectorField(null=True, editable=False)
    created_by = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            GinIndex(fields=["topics"], name="claim_topics_idx"),
            GinIndex(fields=["region_scope"], name="claim_region_scope_idx"),
            GinIndex(fields=["search"], name="claim_search_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


class ClaimAppearance(models.Model):
    """One place a claim was seen: a link (normalised for lookup) on a platform.

    ``url_key`` is the SHA-256 of the normalised URL, so a lookup is one
    equality test on an index whatever the URL's length. At most one appearance
    of a claim is its first appearance. A screenshot kept in the media store is
    linked by ``screenshot_asset``; ``screenshot`` is the reference as recorded
    (asset id, or the URL, MIME type, size and digest of a file kept elsewhere).
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    url = models.URLField(max_length=2000)
    normalized_url = models.CharField(max_length=2000, editable=False)
    url_key = models.CharField(max_length=64, editable=False, db_index=True)
    platform = models.CharField(max_length=12, choices=Platform.choices)
    posted_at = models.DateTimeField(null=True, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    screenshot = models.JSONField(
        null=True, blank=True, help_text="media reference: asset id or url, mime, size, digest"
    )
    screenshot_asset = models.ForeignKey(
        "media_store.MediaAsset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claim_appearances",
    )
    is_first = models.BooleanField(default=False)
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"], condition=Q(is_first=True), name="appearance_one_first"
            ),
            models.UniqueConstraint(fields=["claim", "url_key"], name="appearance_unique_url"),
        ]

    def __str__(self) -> str:
        return self.url


class Clarification(models.Model):
    """An agency's official clarification of a claim, with every version it ever had.

    ``head`` is the version readers get: the published one once there is one,
    otherwise the version being drafted. ``working`` is the version moving
    through draft → in_review → approved (the first version, or a correction of
    a published one); readers outside the agency never see it. ``status`` is the
    clarification's place in the workflow: draft, in_review, approved,
    published, corrected (a correction has been published) or withdrawn (a
    tombstone: readers get 410 with the reason).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draf"
        IN_REVIEW = "in_review", "Ditinjau"
        APPROVED = "approved", "Disetujui"
        PUBLISHED = "published", "Terbit"
        CORRECTED = "corrected", "Dikoreksi"
        WITHDRAWN = "withdrawn", "Ditarik"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="clarifications")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="clarifications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_public = models.BooleanField(default=True, help_text="readable without signing in")
    head = models.ForeignKey(
        "ClarificationVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    working = models.ForeignKey(
        "ClarificationVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_published_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="of the head version")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    search = SearchVectorField(null=True, editable=False)
    revision = models.PositiveIntegerField(
        default=1,
        help_text="counts every change (expectedRevision in GraphQL); version numbers content",
    )
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            GinIndex(fields=["search"], name="clarification_search_idx"),
            models.Index(fields=["status", "published_at"], name="clarification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"clarification {self.pk} ({self.status})"


class ClarificationVersion(models.Model):
    """One version of a clarification's content.

    Versions are numbered from 1. A version is edited only while it is a draft;
    from ``published`` on it is frozen, together with ``document`` (its public
    representation) and ``signature`` (the hub's detached JWS over the RFC 8785
    form of ``document``). ``authors`` lists everyone who wrote it: none of them
    may approve it (four eyes).
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draf"
        IN_REVIEW = "in_review", "Ditinjau"
        APPROVED = "approved", "Disetujui"
        PUBLISHED = "published", "Terbit"
        SUPERSEDED = "superseded", "Digantikan"

    clarification = models.ForeignKey(
        Clarification, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    title = models.CharField(max_length=300)
    verdict = models.ForeignKey(Verdict, on_delete=models.PROTECT, related_name="+")
    misinformation_type = models.CharField(
        max_length=20, choices=MisinformationType.choices, blank=True
    )
    rating_explanation = models.TextField(blank=True)
    body = models.TextField(help_text="Penjelasan")
    conclusion = models.TextField(help_text="Kesimpulan")
    sources = models.JSONField(default=list, help_text='[{"name", "url", "agency"?}]')
    references = models.JSONField(default=list, blank=True, help_text='[{"title"?, "url"}]')
    evidence = models.JSONField(default=list, blank=True, help_text="media references")
    related_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    language = models.CharField(max_length=35, default="id", help_text="BCP 47")
    correction_note = models.TextField(blank=True)
    authors = ArrayField(models.CharField(max_length=200), default=list)
    submitted_by = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, help_text="why the last review sent it back")
    document = models.JSONField(null=True, blank=True, editable=False)
    signature = models.TextField(blank=True, editable=False)
    kid = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clarification_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clarification", "number"], name="clarification_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"clarification {self.clarification_id} v{self.number} ({self.state})"


class Bulletin(models.Model):
    """One crisis bulletin: exactly one CAP 1.2 ``alert`` message.

    Every CAP element has a home: alert-level elements are columns, each
    ``info`` block's language-dependent texts are an entry of ``infos`` (one per
    language, ``id-ID`` required), areas and resources are shared by all infos.
    ``identifier`` is generated at creation and never changes. ``references``
    holds the identifiers of the earlier bulletins an Update or Cancel refers
    to. Once published the bulletin is frozen (a database trigger refuses any
    change but the status moving on); ``cap_xml`` is the exact document that
    validated against the CAP 1.2 schema at publication. ``region_codes`` are
    the areas' region codes and ``region_scope`` adds their ancestors, for
    indexed region filters.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draf"
        IN_REVIEW = "in_review", "Ditinjau"
        APPROVED = "approved", "Disetujui"
        PUBLISHED = "published", "Terbit"
        SUPERSEDED = "superseded", "Diperbarui"
        CANCELLED = "cancelled", "Dibatalkan"
        WITHDRAWN = "withdrawn", "Ditarik"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="bulletins")
    identifier = models.CharField(max_length=200, unique=True)
    sender = models.CharField(max_length=200)
    sent = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    cap_status = models.CharField(max_length=10, choices=CapStatus.choices)
    msg_type = models.CharField(max_length=6, choices=MsgType.choices, default=MsgType.ALERT)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.PUBLIC)
    restriction = models.TextField(blank=True)
    addresses = models.TextField(blank=True)
    note = models.TextField(blank=True)
    references = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    incidents = models.CharField(max_length=500, blank=True)
    categories = ArrayField(models.CharField(max_length=10), default=list)
    event = models.CharField(max_length=40, choices=EVENT_CHOICES)
    response_types = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    urgency = models.CharField(max_length=10)
    severity = models.CharField(max_length=10)
    certainty = models.CharField(max_length=10)
    audience = models.CharField(max_length=300, blank=True)
    effective = models.DateTimeField(null=True, blank=True)
    onset = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    web = models.URLField(max_length=1000, blank=True)
    contact = models.CharField(max_length=300, blank=True)
    parameters = models.JSONField(default=list, blank=True, help_text='[{"valueName", "value"}]')
    infos = models.JSONField(
        default=list, help_text='[{"language", "headline", "description", "instruction"}]'
    )
    areas = models.JSONField(default=list)
    resources = models.JSONField(default=list, blank=True)
    region_codes = ArrayField(models.CharField(max_length=13), default=list, editable=False)
    region_scope = ArrayField(models.CharField(max_length=13), default=list, editable=False)
    related_clarification_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    authors = ArrayField(models.CharField(max_length=200), default=list)
    submitted_by = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=200, blank=True)
    review_note = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    document = models.JSONField(null=True, blank=True, editable=False)
    signature = models.TextField(blank=True, editable=False)
    kid = models.CharField(max_length=64, blank=True, editable=False)
    cap_xml = models.TextField(blank=True, editable=False)
    search = SearchVectorField(null=True, editable=False)
    version = models.PositiveIntegerField(
        default=1, help_text="counts every change (expectedVersion in GraphQL)"
    )
    created_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            GinIndex(fields=["region_codes"], name="bulletin_region_codes_idx"),
            GinIndex(fields=["region_scope"], name="bulletin_region_scope_idx"),
            GinIndex(fields=["references"], name="bulletin_references_idx"),
            GinIndex(fields=["search"], name="bulletin_search_idx"),
            models.Index(fields=["status", "expires"], name="bulletin_active_idx"),
        ]

    def __str__(self) -> str:
        return self.identifier


#: Clarification statuses whose head version is published content.
CLARIFICATION_PUBLISHED = (Clarification.Status.PUBLISHED, Clarification.Status.CORRECTED)
#: Bulletin statuses of messages that were published (later news does not unpublish them).
BULLETIN_PUBLISHED = (
    Bulletin.Status.PUBLISHED,
    Bulletin.Status.SUPERSEDED,
    Bulletin.Status.CANCELLED,
)


class SigningKey(models.Model):
    """An Ed25519 key the hub signs published content with.

    Exactly one key is active (signs new content). Rotation retires it: a retired
    key signs nothing more but stays in the JWKS, so what it signed still
    verifies. A revoked key leaves the JWKS. The private key is stored only here,
    as PKCS#8 PEM encrypted with a passphrase derived from the deployment's
    secret (``HUB_SIGNING_PASSPHRASE`` when configured, else ``SECRET_KEY``).
    """

    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_pem = models.TextField()
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="signingkey_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.kid
