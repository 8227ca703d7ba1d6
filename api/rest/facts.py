"""REST interface of verified facts: claims, clarifications, bulletins and their workflow;
search and signature verification; and the public documents outside /api — the JWKS,
the Atom feeds and the CAP 1.2 alerts. Thin: every rule lives in hub.facts."""

from __future__ import annotations

import orjson
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action

from agencies import policy
from api.graphql.view import resolve_principal
from api.pagination import parse_limit
from api.permissions import AnyoneMayCheck
from api.renderers import JSONRenderer
from api.resources import Expansion, Resource
from api.schema import document_resource, resource_serializer
from api.views import ResourceViewSet, plain_view
from hub.errors import FieldError, NotAcceptable, NotFound, ValidationFailed
from hub.facts import documents, feeds, keys, links, selectors, services
from hub.facts.filters import (
    BulletinFilterSet,
    ClaimFilterSet,
    ClarificationFilterSet,
    hide_withdrawn,
)
from hub.facts.models import (
    BULLETIN_PUBLISHED,
    Bulletin,
    Claim,
    ClaimAppearance,
    Clarification,
    ClarificationVersion,
)
from hub.facts.vocab import (
    EVENT_CHOICES,
    CapStatus,
    MisinformationType,
    MsgType,
    Platform,
    Scope,
)

JSONLD = "application/ld+json"
CAP_XML = "application/cap+xml"
ATOM = "application/atom+xml"
AGENCY_BRIEF = {"slug": "slug", "name": "name", "acronym": "acronym"}


class JSONLDRenderer(JSONRenderer):
    """schema.org JSON-LD (``Accept: application/ld+json`` or ``?format=jsonld``)."""

    media_type = JSONLD
    format = "jsonld"


def wants_jsonld(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return getattr(renderer, "format", None) == "jsonld"


# ---------------------------------------------------------------------------
# claims

CLAIM = Resource(
    name="Claim",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "text": "text",
        "summary": "summary",
        "claimant": "claimant",
        "first_seen": "first_seen",
        "topics": "topics",
        "regions": "regions",
        "language": "language",
        "warnings": "warnings",
        "clarified": "is_shared",
        "version": "version",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    expansions={"agency": Expansion("agency", AGENCY_BRIEF)},
)

APPEARANCE = Resource(
    name="ClaimAppearance",
    fields={
        "id": "id",
        "claim": "claim_id",
        "url": "url",
        "normalized_url": "normalized_url",
        "platform": "platform",
        "posted_at": "posted_at",
        "observed_at": "observed_at",
        "screenshot": "screenshot",
        "is_first": "is_first",
        "created_at": "created_at",
    },
)


APPEARANCE_DOC = resource_serializer(APPEARANCE, ClaimAppearance)
APPEARANCE_LIST_DOC = inline_serializer(
    "ClaimAppearanceList", {"results": APPEARANCE_DOC.__class__(many=True)}
)


class AppearanceInput(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    posted_at = serializers.DateTimeField(required=False, allow_null=True)
    observed_at = serializers.DateTimeField(required=False, allow_null=True)
    screenshot = serializers.JSONField(
        required=False, help_text='{"asset": id} or {"url", "mime", "size", "digest"}'
    )
    is_first = serializers.BooleanField(required=False)


class ClaimInput(serializers.Serializer):
    agency = serializers.SlugField(required=False, help_text="default: your agency")
    text = serializers.CharField()
    summary = serializers.CharField(max_length=75, help_text="≤ 75 characters, no verdict")
    claimant = serializers.CharField(required=False, allow_blank=True)
    first_seen = serializers.DateTimeField(required=False, allow_null=True)
    topics = serializers.ListField(child=serializers.SlugField(), required=False)
    regions = serializers.ListField(child=serializers.CharField(), required=False)
    language = serializers.CharField(required=False, help_text="BCP 47, default id")
    appearances = AppearanceInput(many=True, required=False)


@document_resource(CLAIM, ClaimFilterSet, lookup="id", write=ClaimInput, delete=False)
class ClaimViewSet(ResourceViewSet):
    """Claims as they circulate. Claims reviewed by a published clarification are shared."""

    resource = CLAIM
    model = Claim
    compiled_lists = True
    filterset_class = ClaimFilterSet
    ordering = ("id",)
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    anonymous_read = True

    def get_queryset(self):
        return policy.visible_to(self.request.user, Claim.objects.all())

    def _appearances(self, claim: Claim) -> list[dict]:
        visible = policy.visible_to(
            self.request.user, ClaimAppearance.objects.filter(claim=claim)
        ).order_by("-is_first", "posted_at", "id")
        return APPEARANCE.render(visible)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        return self.respond({**self.represent(claim), "appearances": self._appearances(claim)})

    def create(self, request):
        data = self.body()
        agency = selectors.owning_agency(request.user, data.pop("agency", None))
        claim = services.claim_create(principal=request.user, agency=agency, data=data)
        return self.created(claim)

    def partial_update(self, request, pk=None):
        with self.changing() as claim:
            claim = services.claim_update(principal=request.user, claim=claim, data=self.body())
        return self.respond(self.represent(claim))

    @extend_schema(
        summary="Where the claim appeared (GET) / record another appearance (POST)",
        request=AppearanceInput,
        responses={200: APPEARANCE_LIST_DOC, 201: APPEARANCE_DOC},
    )
    @action(detail=True, methods=["get", "post"])
    def appearances(self, request, pk=None):
        claim = self.get_object()
        if request.method == "POST":
            appearance = services.claim_appearance_add(
                principal=request.user, claim=claim, data=self.body()
            )
            rows = APPEARANCE.render(ClaimAppearance.objects.filter(pk=appearance.pk))
            return self.respond(rows[0], status=201)
        return self.respond({"results": self._appearances(claim)})

    @extend_schema(
        summary="Has this link been clarified? (tracking parameters and case are ignored)",
        parameters=[OpenApiParameter("url", str, required=True)],
        responses={200: OpenApiResponse(description="normalized_url, clarified, claims")},
    )
    def lookup(self, request):
        url = request.GET.get("url", "")
        if not url:
            raise ValidationFailed(
                errors=[FieldError("url", "required", "URL wajib diisi.", "url is required.")]
            )
        return self.respond(selectors.claim_lookup(request.user, url))


# ---------------------------------------------------------------------------
# clarifications


def _headline(row: dict) -> str:
    return documents.headline(row["head__verdict__title_prefix"] or "", row["head__title"] or "")


def _document_url(row: dict) -> str | None:
    if row["head__state"] not in ("published", "superseded"):
        return None
    return documents.clarification_version_url(row["id"], row["head__number"])


CLARIFICATION = Resource(
    name="Clarification",
    fields={
        "id": "id",
        "agency": "agency__slug",
        "claim": "claim_id",
        "status": "status",
        "is_public": "is_public",
        "version": "head__number",
        "working_version": "working__number",
        "revision": "revision",
        "title": "head__title",
        "verdict": "head__verdict_id",
        "misinformation_type": "head__misinformation_type",
        "rating_explanation": "head__rating_explanation",
        "body": "head__body",
        "conclusion": "head__conclusion",
        "sources": "head__sources",
        "references": "head__references",
        "evidence": "head__evidence",
        "related": "head__related_ids",
        "language": "head__language",
        "correction_note": "head__correction_note",
        "first_published_at": "first_published_at",
        "published_at": "published_at",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    expansions={
        "agency": Expansion("agency", AGENCY_BRIEF),
        "claim": Expansion(
            "claim",
            {"id": "id", "summary": "summary", "text": "text", "claimant": "claimant"},
        ),
        "verdict": Expansion(
            "head__verdict",
            {
                "code": "code",
                "label": "label",
                "label_en": "label_en",
                "title_prefix": "title_prefix",
                "rating": "rating",
            },
        ),
    },
    computed={"headline": _headline, "document_url": _document_url},
    computed_needs={
        "headline": ("head__verdict__title_prefix", "head__title"),
        "document_url": ("id", "head__number", "head__state"),
    },
)

VERSION = Resource(
    name="ClarificationVersion",
    fields={
        "number": "number",
        "state": "state",
        "title": "title",
        "verdict": "verdict_id",
        "misinformation_type": "misinformation_type",
        "rating_explanation": "rating_explanation",
        "body": "body",
        "conclusion": "conclusion",
        "sources": "sources",
        "references": "references",
        "evidence": "evidence",
        "related": "related_ids",
        "language": "language",
        "correction_note": "correction_note",
        "submitted_at": "submitted_at",
        "approved_at": "approved_at",
        "published_at": "published_at",
        "kid": "kid",
        "created_at": "created_at",
    },
)


CLARIFICATION_DOC = resource_serializer(CLARIFICATION, Clarification)
VERSION_DOC = resource_serializer(VERSION, ClarificationVersion)
VERSION_LIST_DOC = inline_serializer(
    "ClarificationVersionList", {"results": VERSION_DOC.__class__(many=True)}
)


class SourceInput(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    url = serializers.URLField()
    agency = serializers.SlugField(required=False, help_text="the source agency's slug")


class ClarificationInput(serializers.Serializer):
    agency = serializers.SlugField(required=False, help_text="default: your agency")
    claim = serializers.IntegerField()
    title = serializers.CharField(max_length=300, help_text="without the [VERDICT] prefix")
    verdict = serializers.SlugField(
        help_text="a verdict code: hoaks, disinformasi, penipuan, … (GraphQL `verdicts` lists them)"
    )
    misinformation_type = serializers.ChoiceField(
        choices=MisinformationType.choices, required=False, allow_blank=True
    )
    rating_explanation = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(help_text="Penjelasan")
    conclusion = serializers.CharField(help_text="Kesimpulan")
    sources = SourceInput(many=True, help_text="at least one official source")
    references = serializers.ListField(child=serializers.JSONField(), required=False)
    evidence = serializers.ListField(child=serializers.JSONField(), required=False)
    related = serializers.ListField(child=serializers.IntegerField(), required=False)
    language = serializers.CharField(required=False, help_text="BCP 47, default id")
    is_public = serializers.BooleanField(required=False, default=True)


class CorrectionInput(serializers.Serializer):
    correction_note = serializers.CharField(help_text="what was corrected (published)")
    changes = ClarificationInput(partial=True, required=False)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


def _workflow_doc(summary: str, request=None):
    return extend_schema(summary=summary, request=request, responses={200: CLARIFICATION_DOC})


@document_resource(
    CLARIFICATION, ClarificationFilterSet, lookup="id", write=ClarificationInput, delete=False
)
class ClarificationViewSet(ResourceViewSet):
    """Official clarifications of claims, versioned, four-eyes reviewed and signed.

    Drafts are seen only by their agency; published ones by every authenticated
    agency, and public ones by anyone. A withdrawn clarification answers 410
    with its tombstone. ``Accept: application/ld+json`` (or ``?format=jsonld``)
    on a published one gives schema.org ClaimReview.
    """

    resource = CLARIFICATION
    model = Clarification
    compiled_lists = True
    filterset_class = ClarificationFilterSet
    ordering = ("id",)
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    anonymous_read = True
    renderer_classes = [JSONRenderer, JSONLDRenderer]

    def get_queryset(self):
        return policy.visible_to(self.request.user, Clarification.objects.all())

    def filter_queryset(self, queryset):
        return hide_withdrawn(super().filter_queryset(queryset), self.request.GET)

    def get_object(self, queryset=None):
        clarification = super().get_object(queryset)
        if clarification.status == Clarification.Status.WITHDRAWN:
            raise selectors.clarification_tombstone(clarification)
        return clarification

    def list(self, request, *args, **kwargs):
        if wants_jsonld(request):
            raise NotAcceptable()
        return super().list(request, *args, **kwargs)

    def _jsonld(self, document: dict | None) -> HttpResponse:
        if document is None:
            raise NotAcceptable(
                "ClaimReview hanya tersedia untuk klarifikasi yang sudah terbit.",
                "ClaimReview exists only for published clarifications.",
            )
        response = self.respond(documents.claimreview_jsonld(document))
        if response.status_code == 200:
            response["Content-Type"] = JSONLD
        return response

    @extend_schema(
        responses={
            200: OpenApiResponse(description="the clarification (JSON) or ClaimReview (JSON-LD)"),
            410: OpenApiResponse(description="withdrawn: the tombstone"),
        }
    )
    def retrieve(self, request, *args, **kwargs):
        clarification = self.get_object()
        if wants_jsonld(request):
            head = clarification.head
            published = head.state in ("published", "superseded")
            return self._jsonld(head.document if published else None)
        return self.respond(self.represent(clarification))

    def create(self, request):
        data = self.body()
        agency = selectors.owning_agency(request.user, data.pop("agency", None))
        clarification = services.clarification_create(
            principal=request.user, agency=agency, data=data
        )
        return self.created(clarification)

    @extend_schema(
        summary="Edit the draft (a published version answers 409 published_immutable)",
        request=ClarificationInput,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    def partial_update(self, request, pk=None):
        with self.changing() as clarification:
            clarification = services.clarification_update(
                principal=request.user, clarification=clarification, data=self.body()
            )
        return self.respond(self.represent(clarification))

    def _move(self, service, **kwargs):
        with self.changing() as clarification:
            clarification = service(
                principal=self.request.user, clarification=clarification, **kwargs
            )
        return self.respond(self.represent(clarification))

    @_workflow_doc("Send the draft to review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._move(services.clarification_submit)

    @_workflow_doc("Approve (a verifier who wrote none of it: four eyes)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(services.clarification_approve)

    @_workflow_doc("Send back to draft, with a note", NoteInput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        note = self.body().get("note", "") if request.data else ""
        return self._move(services.clarification_reject, note=note)

    @_workflow_doc("Publish the approved version (signed)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._move(services.clarification_publish)

    @_workflow_doc(
        "Start a correction: a new draft version with a correction note", CorrectionInput
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        data = self.body()
        changes = data.get("changes", {})
        if not isinstance(changes, dict):
            raise ValidationFailed(
                errors=[FieldError("changes", "invalid_type", "Harus objek.", "Must be an object.")]
            )
        return self._move(
            services.clarification_correct,
            data=changes,
            correction_note=data.get("correction_note", ""),
        )

    @_workflow_doc("Withdraw (the clarification stays as a 410 tombstone)", ReasonInput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._move(services.clarification_withdraw, reason=self.body().get("reason", ""))

    @extend_schema(
        summary="The versions you may read (drafts only in their agency)",
        responses={200: VERSION_LIST_DOC},
    )
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        clarification = self.get_object()
        rows = VERSION.render(selectors.clarification_versions(request.user, clarification))
        return self.respond({"results": rows})

    @extend_schema(
        summary="One version; a published one as its signed document (or ClaimReview)",
        operation_id="v1_clarifications_version_retrieve",
        responses={200: OpenApiResponse(description="signed document with `signature`")},
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request, pk=None, number=None):
        clarification = self.get_object()
        version = (
            selectors.clarification_versions(request.user, clarification)
            .filter(number=int(number))
            .first()
        )
        if version is None:
            raise NotFound()
        if wants_jsonld(request):
            return self._jsonld(version.document)
        if version.document is not None:
            return self.respond(selectors.signed_document(version.document, version.signature))
        return self.respond(VERSION.render(ClarificationVersion.objects.filter(pk=version.pk))[0])


# ---------------------------------------------------------------------------
# bulletins


def _bulletin_headline(row: dict) -> str | None:
    infos = row["infos"] or []
    return infos[0]["headline"] if infos else None


def _cap_url(row: dict) -> str | None:
    if row["status"] not in BULLETIN_PUBLISHED:
        return None
    return documents.cap_url(row["identifier"])


BULLETIN = Resource(
    name="Bulletin",
    fields={
        "id": "id",
        "identifier": "identifier",
        "agency": "agency__slug",
        "sender": "sender",
        "sent": "sent",
        "status": "status",
        "cap_status": "cap_status",
        "msg_type": "msg_type",
        "scope": "scope",
        "restriction": "restriction",
        "addresses": "addresses",
        "note": "note",
        "references": "references",
        "incidents": "incidents",
        "event": "event",
        "categories": "categories",
        "response_types": "response_types",
        "urgency": "urgency",
        "severity": "severity",
        "certainty": "certainty",
        "audience": "audience",
        "effective": "effective",
        "onset": "onset",
        "expires": "expires",
        "web": "web",
        "contact": "contact",
        "parameters": "parameters",
        "infos": "infos",
        "areas": "areas",
        "resources": "resources",
        "regions": "region_codes",
        "related_clarifications": "related_clarification_ids",
        "version": "version",
        "created_at": "created_at",
        "updated_at": "updated_at",
    },
    expansions={"agency": Expansion("agency", AGENCY_BRIEF)},
    computed={"headline": _bulletin_headline, "cap_url": _cap_url},
    computed_needs={"headline": ("infos",), "cap_url": ("status", "identifier")},
)


BULLETIN_DOC = resource_serializer(BULLETIN, Bulletin)


class InfoInput(serializers.Serializer):
    language = serializers.CharField(help_text="BCP 47; id-ID is required")
    headline = serializers.CharField(max_length=160)
    description = serializers.CharField()
    instruction = serializers.CharField(
        required=False, help_text="required with responseType Evacuate, Shelter or Prepare"
    )


class AreaInput(serializers.Serializer):
    area_desc = serializers.CharField()
    region = serializers.CharField(help_text="kode wilayah (CAP geocode KEMENDAGRI)")
    polygons = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
        required=False,
        help_text="rings of [lat, lon] inside Indonesia",
    )
    circles = serializers.ListField(
        child=serializers.DictField(), required=False, help_text='[{"lat", "lon", "radius_km"}]'
    )


class BulletinInput(serializers.Serializer):
    agency = serializers.SlugField(required=False, help_text="default: your agency")
    cap_status = serializers.ChoiceField(choices=CapStatus.choices, required=False)
    msg_type = serializers.ChoiceField(choices=MsgType.choices, required=False)
    scope = serializers.ChoiceField(choices=Scope.choices, required=False)
    restriction = serializers.CharField(
        required=False, help_text="who may act on it; required when scope is Restricted"
    )
    addresses = serializers.CharField(
        required=False, help_text="its recipients; required when scope is Private"
    )
    note = serializers.CharField(required=False, help_text="CAP note (e.g. why an Update)")
    references = serializers.ListField(child=serializers.CharField(), required=False)
    incidents = serializers.CharField(required=False, help_text="CAP incidents (space-separated)")
    event = serializers.ChoiceField(choices=EVENT_CHOICES)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    response_types = serializers.ListField(child=serializers.CharField(), required=False)
    urgency = serializers.CharField()
    severity = serializers.CharField()
    certainty = serializers.CharField()
    audience = serializers.CharField(required=False, help_text="CAP audience")
    effective = serializers.DateTimeField(required=False)
    onset = serializers.DateTimeField(required=False)
    expires = serializers.DateTimeField(required=False)
    web = serializers.URLField(required=False)
    contact = serializers.CharField(required=False, help_text="default: the area's hotline")
    parameters = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text='CAP parameters: [{"valueName": …, "value": …}]',
    )
    infos = InfoInput(many=True)
    areas = AreaInput(many=True)
    resources = serializers.ListField(child=serializers.JSONField(), required=False)
    related_clarifications = serializers.ListField(child=serializers.IntegerField(), required=False)


def _bulletin_doc(summary: str, request=None):
    return extend_schema(summary=summary, request=request, responses={200: BULLETIN_DOC})


@document_resource(BULLETIN, BulletinFilterSet, lookup="id", write=BulletinInput, delete=False)
class BulletinViewSet(ResourceViewSet):
    """Crisis bulletins, one CAP 1.2 message each, four-eyes reviewed and signed.

    Later news about a published bulletin is a new message: ``correct`` drafts
    an Update, ``cancel`` a Cancel, both referencing it.
    """

    resource = BULLETIN
    model = Bulletin
    compiled_lists = True  # `active` compares with the database's clock (Now())
    filterset_class = BulletinFilterSet
    ordering = ("id",)
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"
    anonymous_read = True

    def get_queryset(self):
        return policy.visible_to(self.request.user, Bulletin.objects.all())

    def filter_queryset(self, queryset):
        return hide_withdrawn(super().filter_queryset(queryset), self.request.GET)

    def get_object(self, queryset=None):
        bulletin = super().get_object(queryset)
        if bulletin.status == Bulletin.Status.WITHDRAWN:
            raise selectors.bulletin_tombstone(bulletin)
        return bulletin

    def retrieve(self, request, *args, **kwargs):
        bulletin = self.get_object()
        if bulletin.document is not None:
            related = bulletin.document["links"]
        else:
            related = links.bulletin_links(bulletin)
        return self.respond({**self.represent(bulletin), "links": related})

    def create(self, request):
        data = self.body()
        agency = selectors.owning_agency(request.user, data.pop("agency", None))
        bulletin = services.bulletin_create(principal=request.user, agency=agency, data=data)
        return self.created(bulletin)

    @extend_schema(
        summary="Edit the draft (a published bulletin answers 409 published_immutable)",
        request=BulletinInput,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER)],
    )
    def partial_update(self, request, pk=None):
        with self.changing() as bulletin:
            bulletin = services.bulletin_update(
                principal=request.user, bulletin=bulletin, data=self.body()
            )
        return self.respond(self.represent(bulletin))

    def _move(self, service, **kwargs):
        with self.changing() as bulletin:
            bulletin = service(principal=self.request.user, bulletin=bulletin, **kwargs)
        return self.respond(self.represent(bulletin))

    @_bulletin_doc("Send the draft to review")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._move(services.bulletin_submit)

    @_bulletin_doc("Approve (a verifier who wrote none of it: four eyes)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._move(services.bulletin_approve)

    @_bulletin_doc("Send back to draft, with a note", NoteInput)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        note = self.body().get("note", "") if request.data else ""
        return self._move(services.bulletin_reject, note=note)

    @_bulletin_doc("Issue the approved bulletin (validated CAP 1.2, signed)")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._move(services.bulletin_publish)

    @_bulletin_doc("Withdraw a bulletin issued in error (410 tombstone)", ReasonInput)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._move(services.bulletin_withdraw, reason=self.body().get("reason", ""))

    def _follow_up(self, msg_type: str):
        bulletin = self.get_object()
        data = self.body() if self.request.data else {}
        follow = services.bulletin_follow_up(
            principal=self.request.user, bulletin=bulletin, msg_type=msg_type, data=data
        )
        return self.created(follow)

    @extend_schema(
        summary="Draft an Update of this published bulletin (changes in the body)",
        request=BulletinInput,
        responses={201: BULLETIN_DOC},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        return self._follow_up(MsgType.UPDATE)

    @extend_schema(
        summary="Draft a Cancel of this published bulletin",
        request=BulletinInput,
        responses={201: BULLETIN_DOC},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._follow_up(MsgType.CANCEL)

    @extend_schema(
        summary="The signed document of a published bulletin",
        responses={200: OpenApiResponse(description="signed document with `signature`")},
    )
    @action(detail=True, methods=["get"])
    def signed(self, request, pk=None):
        bulletin = self.get_object()
        if bulletin.document is None:
            raise NotFound()
        return self.respond(selectors.signed_document(bulletin.document, bulletin.signature))

    def created(self, obj, headers=None):
        location = self.request.build_absolute_uri(f"/api/v1/bulletins/{obj.pk}/")
        return self.respond(
            self.represent(obj), status=201, headers={"Location": location, **(headers or {})}
        )


# ---------------------------------------------------------------------------
# search and verification


class SearchViewSet(ResourceViewSet):
    """Full-text search (Indonesian stemming) over what the caller may read."""

    anonymous_read = True

    @extend_schema(
        summary="Search clarifications, claims and bulletins (ranked, with snippets)",
        parameters=[
            OpenApiParameter("q", str, required=True, description="words; supports quotes, -"),
            OpenApiParameter("type", str, description="clarification, claim, bulletin (csv)"),
            OpenApiParameter("verdict", str),
            OpenApiParameter("topic", str),
            OpenApiParameter("agency", str),
            OpenApiParameter("region", str, description="the region or any region under it"),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD or ISO 8601"),
            OpenApiParameter("date_to", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={200: OpenApiResponse(description="results, total")},
    )
    def list(self, request, *args, **kwargs):
        params = request.GET
        types = [t.strip() for t in params.get("type", "").split(",") if t.strip()] or None
        offset_raw = params.get("offset", "0")
        if not offset_raw.isdigit() or int(offset_raw) > 1000:
            raise ValidationFailed(
                errors=[
                    FieldError("offset", "invalid_offset", "Offset 0–1000.", "offset is 0–1000.")
                ]
            )
        hits, total = selectors.search(
            request.user,
            q=params.get("q", ""),
            types=types,
            filters={
                name: params.get(name)
                for name in ("verdict", "topic", "agency", "region", "date_from", "date_to")
            },
            limit=min(parse_limit(params.get("limit"), 20), 100),
            offset=int(offset_raw),
        )
        return self.respond({"results": [hit.as_dict() for hit in hits], "total": total})


class VerifyInput(serializers.Serializer):
    document = serializers.JSONField(required=False, help_text="the signed document")
    signature = serializers.CharField(help_text="detached JWS (header..signature)")


class VerifyViewSet(ResourceViewSet):
    """Is this copy of a clarification or bulletin authentic and unaltered?"""

    permission_classes = [AnyoneMayCheck]

    @extend_schema(
        summary="Verify a signed copy ({document, signature} or a document with `signature`)",
        request=VerifyInput,
        responses={200: OpenApiResponse(description="authentic, type, id, version, status")},
    )
    def create(self, request):
        result = selectors.document_check(request.data)
        body = result.as_dict()
        body["message"] = selectors.verification_message(result)
        return self.respond(body)


# ---------------------------------------------------------------------------
# documents outside /api: JWKS, Atom feeds, CAP alerts


@plain_view
def jwks(request):
    """The hub's public signing keys (active and retired; revoked ones are gone)."""
    response = HttpResponse(orjson.dumps(keys.jwks()), content_type="application/json")
    response["Cache-Control"] = "public, max-age=300"
    return response


@plain_view
def clarifications_feed(request):
    """Atom feed of public published clarifications; ?agency=, ?topic=, ?region=."""
    versions = selectors.clarification_feed(request.GET)
    body = feeds.clarifications_atom(versions, feed_url=request.build_absolute_uri())
    response = HttpResponse(body, content_type=f"{ATOM}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


@plain_view
def cap_feed(request):
    """Atom feed of active public CAP alerts; ?region= (ancestor or descendant), ?agency=."""
    bulletins = selectors.bulletin_feed(request.GET, now=timezone.now())
    body = feeds.bulletins_atom(bulletins, feed_url=request.build_absolute_uri())
    response = HttpResponse(body, content_type=f"{ATOM}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


@plain_view
def cap_alert(request, identifier: str):
    """One published bulletin as its CAP 1.2 document (validated when it was issued)."""
    principal = resolve_principal(request)
    bulletin = policy.visible_to(principal, Bulletin.objects.filter(identifier=identifier)).first()
    if bulletin is None or not bulletin.cap_xml:
        raise NotFound()
    if bulletin.status == Bulletin.Status.WITHDRAWN:
        raise selectors.bulletin_tombstone(bulletin)
    response = HttpResponse(bulletin.cap_xml.encode("utf-8"), content_type=CAP_XML)
    response["Cache-Control"] = (
        "public, max-age=60" if bulletin.scope == Scope.PUBLIC else "private"
    )
    return response


__all__ = [
    "BulletinViewSet",
    "ClaimViewSet",
    "ClarificationViewSet",
    "SearchViewSet",
    "VerifyViewSet",
    "cap_alert",
    "cap_feed",
    "clarifications_feed",
    "jwks",
]
