"""GraphQL types and mutations of verified facts (same FilterSets, policy, services as REST).

A page of claims, clarifications or bulletins costs a fixed number of queries:
agencies, claims, versions and verdicts are joined, appearances come from one
prefetch.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from agencies import policy
from agencies.models import Agency
from api.errors import language
from api.graphql import compiled
from api.graphql.agencies import ListConnection, principal
from api.graphql.connections import HubConnectionField
from api.graphql.errors import ERRORS, hub_mutation, mutation
from hub.errors import FieldError, NotFound, ValidationFailed
from hub.facts import documents, links, selectors, services
from hub.facts.filters import BulletinFilterSet, ClaimFilterSet, ClarificationFilterSet
from hub.facts.models import (
    BULLETIN_PUBLISHED,
    Bulletin,
    Claim,
    ClaimAppearance,
    Clarification,
    Verdict,
)
from hub.facts.vocab import MsgType


def _plain(value: Any) -> Any:
    """GraphQL input objects → plain dicts and lists, as the services expect."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _agency(info, slug: str | None) -> Agency:
    return selectors.owning_agency(principal(info), slug)


class VerdictType(DjangoObjectType):
    """One verdict of the vocabulary (stable `code`, admin-edited labels)."""

    class Meta:
        model = Verdict
        name = "Verdict"
        fields = (
            "code",
            "label",
            "label_en",
            "title_prefix",
            "rating",
            "alternate_name",
            "alternate_name_en",
            "is_rating",
        )


class ClaimWarningType(graphene.ObjectType):
    """A problem that did not stop the claim from being recorded."""

    field = graphene.String(required=True)
    code = graphene.String(required=True)
    message = graphene.String(required=True)


class ClaimAppearanceType(DjangoObjectType):
    """One place a claim was seen."""

    database_id = graphene.Int(required=True)
    screenshot = GenericScalar(description="Media reference (asset id, or url/mime/size/digest).")

    class Meta:
        model = ClaimAppearance
        name = "ClaimAppearance"
        fields = ("url", "normalized_url", "platform", "posted_at", "observed_at", "is_first")

    def resolve_database_id(self, info):
        return self.pk


class ClaimType(DjangoObjectType):
    """A claim as it circulates, with the places it appeared."""

    database_id = graphene.Int(required=True, description="The claim's id (REST `id`).")
    topics = graphene.List(graphene.NonNull(graphene.String), required=True)
    regions = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Region codes."
    )
    warnings = graphene.List(graphene.NonNull(ClaimWarningType), required=True)
    clarified = graphene.Boolean(required=True, description="A published clarification reviews it.")
    appearances = graphene.List(graphene.NonNull(ClaimAppearanceType), required=True)

    class Meta:
        model = Claim
        name = "Claim"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "text",
            "summary",
            "claimant",
            "first_seen",
            "language",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = ClaimFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency")
            .prefetch_related(_appearances())
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    def resolve_topics(self, info):
        return self.topics

    def resolve_regions(self, info):
        return self.regions

    def resolve_clarified(self, info):
        return self.is_shared

    def resolve_warnings(self, info):
        english = _english(info)
        return [
            ClaimWarningType(
                field=item["field"],
                code=item["code"],
                message=item["message"] if english else item["message_id"],
            )
            for item in self.warnings
        ]

    def resolve_appearances(self, info):
        return list(self.appearances.all())


def _appearances(path: str = "appearances") -> Prefetch:
    return Prefetch(path, queryset=ClaimAppearance.objects.order_by("-is_first", "posted_at", "id"))


def _english(info) -> bool:
    return language(info.context) == "en"


class ClarificationVersionType(graphene.ObjectType):
    """One version of a clarification (published ones are frozen and signed)."""

    number = graphene.Int(required=True)
    state = graphene.String(required=True)
    title = graphene.String(required=True)
    verdict = graphene.String(required=True, description="Verdict code.")
    body = graphene.String(required=True)
    conclusion = graphene.String(required=True)
    correction_note = graphene.String(required=True)
    published_at = graphene.DateTime()
    signed_document = GenericScalar(description="The signed document, with `signature`.")

    @staticmethod
    def of(version) -> ClarificationVersionType:
        return ClarificationVersionType(
            number=version.number,
            state=version.state,
            title=version.title,
            verdict=version.verdict_id,
            body=version.body,
            conclusion=version.conclusion,
            correction_note=version.correction_note,
            published_at=version.published_at,
            signed_document=selectors.signed_document(version.document, version.signature),
        )


class ClarificationType(DjangoObjectType):
    """An official clarification of a claim.

    Content fields show the version readers get (the published one once there
    is one). A withdrawn clarification is a tombstone: its content fields are
    null and `withdrawalReason` says why.
    """

    database_id = graphene.Int(required=True, description="The clarification's id (REST `id`).")
    version = graphene.Int(description="Number of the version shown.")
    working_version = graphene.Int(description="A draft or correction in progress (own agency).")
    title = graphene.String()
    headline = graphene.String(description="Title with the verdict prefix, e.g. [HOAKS] …")
    verdict = graphene.Field(VerdictType)
    misinformation_type = graphene.String()
    rating_explanation = graphene.String()
    body = graphene.String(description="Penjelasan.")
    conclusion = graphene.String(description="Kesimpulan.")
    sources = GenericScalar(description='[{"name", "url", "agency"}]')
    references = GenericScalar()
    evidence = GenericScalar(description="Media references.")
    related = graphene.List(graphene.NonNull(graphene.Int), description="Related clarifications.")
    language = graphene.String()
    correction_note = graphene.String()
    claim_review = GenericScalar(description="schema.org ClaimReview (published only).")
    signed_document = GenericScalar(description="The signed public document (published only).")
    versions = graphene.List(graphene.NonNull(ClarificationVersionType), required=True)

    class Meta:
        model = Clarification
        name = "Clarification"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "claim",
            "status",
            "is_public",
            "first_published_at",
            "published_at",
            "withdrawn_at",
            "withdrawal_reason",
            "revision",
            "created_at",
            "updated_at",
        )
        filterset_class = ClarificationFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency", "claim__agency", "head__verdict", "working")
            .prefetch_related(_appearances("claim__appearances"))
            .order_by("id")
        )

    def _head(self):
        if self.status == Clarification.Status.WITHDRAWN:
            return None
        return self.head

    def _published_document(self):
        head = ClarificationType._head(self)
        return head.document if head is not None else None

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    @bypass_get_queryset
    def resolve_claim(self, info):
        return self.claim

    def resolve_version(self, info):
        head = ClarificationType._head(self)
        return head.number if head else None

    def resolve_working_version(self, info):
        return self.working.number if self.working_id else None

    def resolve_title(self, info):
        head = ClarificationType._head(self)
        return head.title if head else None

    def resolve_headline(self, info):
        head = ClarificationType._head(self)
        return documents.headline(head.verdict.title_prefix, head.title) if head else None

    def resolve_verdict(self, info):
        head = ClarificationType._head(self)
        return head.verdict if head else None

    def resolve_misinformation_type(self, info):
        head = ClarificationType._head(self)
        return (head.misinformation_type or None) if head else None

    def resolve_rating_explanation(self, info):
        head = ClarificationType._head(self)
        return head.rating_explanation if head else None

    def resolve_body(self, info):
        head = ClarificationType._head(self)
        return head.body if head else None

    def resolve_conclusion(self, info):
        head = ClarificationType._head(self)
        return head.conclusion if head else None

    def resolve_sources(self, info):
        head = ClarificationType._head(self)
        return head.sources if head else None

    def resolve_references(self, info):
        head = ClarificationType._head(self)
        return head.references if head else None

    def resolve_evidence(self, info):
        head = ClarificationType._head(self)
        return head.evidence if head else None

    def resolve_related(self, info):
        head = ClarificationType._head(self)
        return head.related_ids if head else None

    def resolve_language(self, info):
        head = ClarificationType._head(self)
        return head.language if head else None

    def resolve_correction_note(self, info):
        head = ClarificationType._head(self)
        return (head.correction_note or None) if head else None

    def resolve_claim_review(self, info):
        document = ClarificationType._published_document(self)
        return documents.claimreview_jsonld(document) if document else None

    def resolve_signed_document(self, info):
        document = ClarificationType._published_document(self)
        return selectors.signed_document(document, self.head.signature) if document else None

    def resolve_versions(self, info):
        if self.status == Clarification.Status.WITHDRAWN:
            return []
        versions = selectors.clarification_versions(principal(info), self)
        return [ClarificationVersionType.of(v) for v in versions.select_related("verdict")]


class BulletinType(DjangoObjectType):
    """A crisis bulletin: one CAP 1.2 message."""

    database_id = graphene.Int(required=True, description="The bulletin's id (REST `id`).")
    references = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Earlier identifiers."
    )
    categories = graphene.List(graphene.NonNull(graphene.String), required=True)
    response_types = graphene.List(graphene.NonNull(graphene.String), required=True)
    regions = graphene.List(graphene.NonNull(graphene.String), required=True)
    related_clarifications = graphene.List(graphene.NonNull(graphene.Int), required=True)
    headline = graphene.String(description="The id-ID headline.")
    infos = GenericScalar(description='[{"language", "headline", "description", "instruction"}]')
    areas = GenericScalar(description='[{"area_desc", "region", "polygons", "circles"}]')
    resources = GenericScalar()
    parameters = GenericScalar()
    links = GenericScalar(description="Related clarifications and the areas' hotlines.")
    cap_url = graphene.String(description="The CAP 1.2 document (published only).")
    cap_xml = graphene.String(description="The CAP 1.2 XML (published only).")
    signed_document = GenericScalar(description="The signed public document (published only).")

    class Meta:
        model = Bulletin
        name = "Bulletin"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "identifier",
            "sender",
            "sent",
            "status",
            "cap_status",
            "msg_type",
            "scope",
            "restriction",
            "note",
            "incidents",
            "event",
            "urgency",
            "severity",
            "certainty",
            "audience",
            "effective",
            "onset",
            "expires",
            "web",
            "contact",
            "withdrawn_at",
            "withdrawal_reason",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = BulletinFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return policy.visible_to(principal(info), queryset).select_related("agency").order_by("id")

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    def resolve_references(self, info):
        return self.references

    def resolve_categories(self, info):
        return self.categories

    def resolve_response_types(self, info):
        return self.response_types

    def resolve_regions(self, info):
        return self.region_codes

    def resolve_related_clarifications(self, info):
        return self.related_clarification_ids

    def resolve_headline(self, info):
        return self.infos[0]["headline"] if self.infos else None

    def resolve_links(self, info):
        if self.document is not None:
            return self.document["links"]
        return links.bulletin_links(self)

    def resolve_cap_url(self, info):
        published = self.status in BULLETIN_PUBLISHED
        return documents.cap_url(self.identifier) if published else None

    def resolve_cap_xml(self, info):
        published = self.status in BULLETIN_PUBLISHED
        return self.cap_xml if published else None

    def resolve_signed_document(self, info):
        if self.status not in BULLETIN_PUBLISHED:
            return None
        return selectors.signed_document(self.document, self.signature)


class LookupClarificationType(graphene.ObjectType):
    id = graphene.Int(required=True)
    agency = graphene.String(required=True)
    status = graphene.String(required=True)
    version = graphene.Int(required=True)
    title = graphene.String(required=True)
    headline = graphene.String(required=True)
    verdict = graphene.String(required=True)
    published_at = graphene.DateTime()
    url = graphene.String(required=True)


class LookupClaimType(graphene.ObjectType):
    id = graphene.Int(required=True)
    agency = graphene.String(required=True)
    summary = graphene.String(required=True)
    text = graphene.String(required=True)
    clarifications = graphene.List(graphene.NonNull(LookupClarificationType), required=True)


class ClaimLookupType(graphene.ObjectType):
    """Has this link been clarified?"""

    url = graphene.String(required=True)
    normalized_url = graphene.String(required=True)
    clarified = graphene.Boolean(required=True)
    claims = graphene.List(graphene.NonNull(LookupClaimType), required=True)


class SearchHitType(graphene.ObjectType):
    """One search result with a highlighted snippet (matches in <mark>, text HTML-escaped)."""

    type = graphene.String(required=True, description="clarification, claim or bulletin.")
    id = graphene.Int(required=True)
    title = graphene.String(required=True)
    snippet = graphene.String(required=True)
    rank = graphene.Float(required=True)
    agency = graphene.String(required=True)
    date = graphene.DateTime()
    url = graphene.String(required=True)
    verdict = graphene.String()
    status = graphene.String()


class SearchResultType(graphene.ObjectType):
    total = graphene.Int(required=True)
    results = graphene.List(graphene.NonNull(SearchHitType), required=True)


class VerificationType(graphene.ObjectType):
    """Is a copy authentic and unaltered, and which version is it?"""

    authentic = graphene.Boolean(required=True)
    code = graphene.String(description="Why not: signature_mismatch, signature_unknown_key, …")
    kid = graphene.String()
    type = graphene.String()
    id = graphene.String()
    version = graphene.Int()
    current_status = graphene.String()
    latest_version = graphene.Int()
    is_latest = graphene.Boolean()
    message = graphene.String(required=True)


# An item's agency is read as graphene reads it (``bypass_get_queryset``): the owner itself.
compiled.register(ClaimType, columns={"database_id": "pk"}, relations=("agency",))
compiled.register(BulletinType, columns={"database_id": "pk"}, relations=("agency",))


class Query(graphene.ObjectType):
    verdicts = graphene.List(graphene.NonNull(VerdictType), required=True)
    claim = graphene.Field(ClaimType, id=graphene.Int(required=True))
    claims = HubConnectionField(ClaimType, description="Claims visible to you.")
    claim_lookup = graphene.Field(
        ClaimLookupType,
        url=graphene.String(required=True),
        description="Has this link been clarified? (tracking parameters and case ignored)",
    )
    clarification = graphene.Field(ClarificationType, id=graphene.Int(required=True))
    clarifications = HubConnectionField(
        ClarificationType, description="Clarifications visible to you (withdrawn: ask status)."
    )
    bulletin = graphene.Field(
        BulletinType, id=graphene.Int(), identifier=graphene.String(description="CAP identifier.")
    )
    bulletins = HubConnectionField(BulletinType, description="Bulletins visible to you.")
    search = graphene.Field(
        SearchResultType,
        q=graphene.String(required=True),
        types=graphene.List(graphene.NonNull(graphene.String)),
        verdict=graphene.String(),
        topic=graphene.String(),
        agency=graphene.String(),
        region=graphene.String(description="The region or any region under it."),
        date_from=graphene.String(),
        date_to=graphene.String(),
        limit=graphene.Int(default_value=20),
        offset=graphene.Int(default_value=0),
        description="Full-text search (Indonesian stemming), ranked, with snippets.",
    )
    verify_signature = graphene.Field(
        VerificationType,
        document=GenericScalar(required=True, description="The document (with or without it)."),
        signature=graphene.String(description="Detached JWS, unless embedded in the document."),
    )

    def resolve_verdicts(self, info):
        return list(Verdict.objects.order_by("position", "code"))

    def resolve_claim(self, info, id):
        return ClaimType.get_queryset(Claim.objects.filter(pk=id), info).first()

    def resolve_claim_lookup(self, info, url):
        result = selectors.claim_lookup(principal(info), url)
        return ClaimLookupType(
            url=result["url"],
            normalized_url=result["normalized_url"],
            clarified=result["clarified"],
            claims=[
                LookupClaimType(
                    id=claim["id"],
                    agency=claim["agency"],
                    summary=claim["summary"],
                    text=claim["text"],
                    clarifications=[LookupClarificationType(**c) for c in claim["clarifications"]],
                )
                for claim in result["claims"]
            ],
        )

    def resolve_clarification(self, info, id):
        return ClarificationType.get_queryset(Clarification.objects.filter(pk=id), info).first()

    def resolve_bulletin(self, info, id=None, identifier=None):
        if id is None and identifier is None:
            return None
        queryset = Bulletin.objects.filter(pk=id) if id is not None else Bulletin.objects.all()
        if identifier is not None:
            queryset = queryset.filter(identifier=identifier)
        return BulletinType.get_queryset(queryset, info).first()

    def resolve_search(self, info, q, types=None, limit=20, offset=0, **filters):
        if not 1 <= limit <= 100 or not 0 <= offset <= 1000:
            raise ValidationFailed(
                errors=[
                    FieldError("limit", "invalid_limit", "limit 1–100.", "limit must be 1–100.")
                ]
            )
        hits, total = selectors.search(
            principal(info), q=q, types=types, filters=filters, limit=limit, offset=offset
        )
        return SearchResultType(
            total=total, results=[SearchHitType(**hit.as_dict()) for hit in hits]
        )

    def resolve_verify_signature(self, info, document, signature=None):
        payload = {"document": document, "signature": signature} if signature else document
        result = selectors.document_check(payload)
        data = result.as_dict()
        data["id"] = None if result.id is None else str(result.id)
        return VerificationType(**data, message=selectors.verification_message(result))


# ---------------------------------------------------------------------------
# inputs


class AppearanceInput(graphene.InputObjectType):
    url = graphene.String(required=True)
    platform = graphene.String(description="whatsapp, facebook, x, … (inferred when omitted)")
    posted_at = graphene.DateTime()
    observed_at = graphene.DateTime()
    screenshot = GenericScalar(description='{"asset": id} or {"url", "mime", "size", "digest"}')
    is_first = graphene.Boolean()


class ClaimInput(graphene.InputObjectType):
    text = graphene.String()
    summary = graphene.String(description="≤ 75 characters; describes the claim, not the verdict")
    claimant = graphene.String()
    first_seen = graphene.DateTime()
    topics = graphene.List(graphene.NonNull(graphene.String))
    regions = graphene.List(graphene.NonNull(graphene.String), description="Region codes.")
    language = graphene.String(description="BCP 47, default id.")
    appearances = graphene.List(graphene.NonNull(AppearanceInput))


class SourceInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    url = graphene.String(required=True)
    agency = graphene.String(description="The source agency's slug.")


class ReferenceInput(graphene.InputObjectType):
    url = graphene.String(required=True)
    title = graphene.String()


class ClarificationInput(graphene.InputObjectType):
    claim = graphene.Int(description="The claim's database id.")
    title = graphene.String(description="Without the [VERDICT] prefix.")
    verdict = graphene.String(description="Verdict code.")
    misinformation_type = graphene.String()
    rating_explanation = graphene.String()
    body = graphene.String(description="Penjelasan.")
    conclusion = graphene.String(description="Kesimpulan.")
    sources = graphene.List(graphene.NonNull(SourceInput))
    references = graphene.List(graphene.NonNull(ReferenceInput))
    evidence = graphene.List(graphene.NonNull(GenericScalar))
    related = graphene.List(graphene.NonNull(graphene.Int))
    language = graphene.String()
    is_public = graphene.Boolean()
    correction_note = graphene.String(description="Only on a correction's draft.")


class InfoInput(graphene.InputObjectType):
    language = graphene.String(required=True, description="BCP 47; id-ID is required.")
    headline = graphene.String(required=True)
    description = graphene.String(required=True)
    instruction = graphene.String()


class CircleInput(graphene.InputObjectType):
    lat = graphene.Float(required=True)
    lon = graphene.Float(required=True)
    radius_km = graphene.Float(required=True)


class AreaInput(graphene.InputObjectType):
    area_desc = graphene.String(required=True)
    region = graphene.String(required=True, description="Kode wilayah.")
    polygons = graphene.List(
        graphene.NonNull(
            graphene.List(graphene.NonNull(graphene.List(graphene.NonNull(graphene.Float))))
        )
    )
    circles = graphene.List(graphene.NonNull(CircleInput))


class BulletinInput(graphene.InputObjectType):
    cap_status = graphene.String(description="Actual, Exercise, System, Test or Draft.")
    msg_type = graphene.String(description="Alert, Update or Cancel.")
    scope = graphene.String(description="Public, Restricted or Private.")
    restriction = graphene.String()
    addresses = graphene.String()
    note = graphene.String()
    references = graphene.List(graphene.NonNull(graphene.String))
    incidents = graphene.String()
    event = graphene.String(description="Hazard code: banjir, gempabumi, tsunami, …")
    categories = graphene.List(graphene.NonNull(graphene.String))
    response_types = graphene.List(graphene.NonNull(graphene.String))
    urgency = graphene.String()
    severity = graphene.String()
    certainty = graphene.String()
    audience = graphene.String()
    effective = graphene.DateTime()
    onset = graphene.DateTime()
    expires = graphene.DateTime()
    web = graphene.String()
    contact = graphene.String()
    parameters = GenericScalar()
    infos = graphene.List(graphene.NonNull(InfoInput))
    areas = graphene.List(graphene.NonNull(AreaInput))
    resources = graphene.List(graphene.NonNull(GenericScalar))
    related_clarifications = graphene.List(graphene.NonNull(graphene.Int))


# ---------------------------------------------------------------------------
# mutations


def _claim(info, pk) -> Claim:
    claim = ClaimType.get_queryset(Claim.objects.filter(pk=pk), info).first()
    if claim is None:
        raise NotFound()
    return claim


def _clarification(info, pk) -> Clarification:
    item = ClarificationType.get_queryset(Clarification.objects.filter(pk=pk), info).first()
    if item is None:
        raise NotFound()
    return item


def _bulletin(info, pk) -> Bulletin:
    item = BulletinType.get_queryset(Bulletin.objects.filter(pk=pk), info).first()
    if item is None:
        raise NotFound()
    return item


# Optimistic locking: a write naming a count the record has moved past answers
# precondition_failed. A clarification's `version` numbers its content versions,
# so its count of changes is `revision`.
_EXPECTED_VERSION = {
    "expected_version": graphene.Int(description="Fail with precondition_failed if changed.")
}
_EXPECTED_REVISION = {
    "expected_revision": graphene.Int(description="Fail with precondition_failed if changed.")
}


class ClaimCreate(graphene.Mutation):
    class Arguments:
        input = ClaimInput(required=True)
        agency = graphene.String(description="Owning agency's slug (default: yours).")

    claim = graphene.Field(ClaimType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, input, agency=None):
        claim = services.claim_create(
            principal=principal(info), agency=_agency(info, agency), data=_plain(input)
        )
        return cls(claim=claim, errors=[])


class ClaimUpdate(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        input = ClaimInput(required=True)
        expected_version = graphene.Int(description="Fail with precondition_failed if changed.")

    claim = graphene.Field(ClaimType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, input, expected_version=None):
        claim = services.claim_update(
            principal=principal(info),
            claim=_claim(info, id),
            data=_plain(input),
            expected_version=expected_version,
        )
        return cls(claim=claim, errors=[])


class ClaimAppearanceAdd(graphene.Mutation):
    class Arguments:
        claim = graphene.Int(required=True)
        input = AppearanceInput(required=True)

    appearance = graphene.Field(ClaimAppearanceType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, claim, input):
        appearance = services.claim_appearance_add(
            principal=principal(info), claim=_claim(info, claim), data=_plain(input)
        )
        return cls(appearance=appearance, errors=[])


class ClarificationCreate(graphene.Mutation):
    class Arguments:
        input = ClarificationInput(required=True)
        agency = graphene.String(description="Owning agency's slug (default: yours).")

    clarification = graphene.Field(ClarificationType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, input, agency=None):
        item = services.clarification_create(
            principal=principal(info), agency=_agency(info, agency), data=_plain(input)
        )
        return cls(clarification=item, errors=[])


class ClarificationUpdate(graphene.Mutation):
    """Edit the draft; a published version answers `published_immutable`."""

    class Arguments:
        id = graphene.Int(required=True)
        input = ClarificationInput(required=True)
        expected_revision = graphene.Int(description="Fail with precondition_failed if changed.")

    clarification = graphene.Field(ClarificationType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, input, expected_revision=None):
        item = services.clarification_update(
            principal=principal(info),
            clarification=_clarification(info, id),
            data=_plain(input),
            expected_revision=expected_revision,
        )
        return cls(clarification=item, errors=[])


def _clarification_move(name: str, service, doc: str, **arguments):
    """A workflow mutation: load (policy), call the service, return the clarification."""
    return mutation(
        name,
        doc=doc,
        arguments={"id": graphene.Int(required=True), **arguments, **_EXPECTED_REVISION},
        returns={"clarification": graphene.Field(ClarificationType)},
        resolve=lambda info, id, **kwargs: {
            "clarification": service(
                principal=principal(info), clarification=_clarification(info, id), **kwargs
            )
        },
    )


ClarificationSubmit = _clarification_move(
    "ClarificationSubmit", services.clarification_submit, "Send the draft to review."
)
ClarificationApprove = _clarification_move(
    "ClarificationApprove",
    services.clarification_approve,
    "Approve the version in review (never your own: four eyes).",
)
ClarificationReject = _clarification_move(
    "ClarificationReject",
    services.clarification_reject,
    "Send the version in review back to draft.",
    note=graphene.String(),
)
ClarificationPublish = _clarification_move(
    "ClarificationPublish", services.clarification_publish, "Publish the approved version."
)
ClarificationWithdraw = _clarification_move(
    "ClarificationWithdraw",
    services.clarification_withdraw,
    "Withdraw a published clarification (it stays as a tombstone).",
    reason=graphene.String(required=True),
)


class ClarificationCorrect(graphene.Mutation):
    """Start a correction: a new draft version of a published clarification."""

    class Arguments:
        id = graphene.Int(required=True)
        correction_note = graphene.String(required=True)
        changes = ClarificationInput()
        expected_revision = graphene.Int(description="Fail with precondition_failed if changed.")

    clarification = graphene.Field(ClarificationType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, correction_note, changes=None, expected_revision=None):
        item = services.clarification_correct(
            principal=principal(info),
            clarification=_clarification(info, id),
            data=_plain(changes or {}),
            correction_note=correction_note,
            expected_revision=expected_revision,
        )
        return cls(clarification=item, errors=[])


class BulletinCreate(graphene.Mutation):
    class Arguments:
        input = BulletinInput(required=True)
        agency = graphene.String(description="Owning agency's slug (default: yours).")

    bulletin = graphene.Field(BulletinType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, input, agency=None):
        bulletin = services.bulletin_create(
            principal=principal(info), agency=_agency(info, agency), data=_plain(input)
        )
        return cls(bulletin=bulletin, errors=[])


class BulletinUpdate(graphene.Mutation):
    """Edit a draft bulletin; a published one answers `published_immutable`."""

    class Arguments:
        id = graphene.Int(required=True)
        input = BulletinInput(required=True)
        expected_version = graphene.Int(description="Fail with precondition_failed if changed.")

    bulletin = graphene.Field(BulletinType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, id, input, expected_version=None):
        bulletin = services.bulletin_update(
            principal=principal(info),
            bulletin=_bulletin(info, id),
            data=_plain(input),
            expected_version=expected_version,
        )
        return cls(bulletin=bulletin, errors=[])


def _bulletin_move(name: str, service, doc: str, **arguments):
    """A workflow mutation: load (policy), call the service, return the bulletin."""
    return mutation(
        name,
        doc=doc,
        arguments={"id": graphene.Int(required=True), **arguments, **_EXPECTED_VERSION},
        returns={"bulletin": graphene.Field(BulletinType)},
        resolve=lambda info, id, **kwargs: {
            "bulletin": service(principal=principal(info), bulletin=_bulletin(info, id), **kwargs)
        },
    )


BulletinSubmit = _bulletin_move("BulletinSubmit", services.bulletin_submit, "Send to review.")
BulletinApprove = _bulletin_move(
    "BulletinApprove", services.bulletin_approve, "Approve (never your own: four eyes)."
)
BulletinReject = _bulletin_move(
    "BulletinReject", services.bulletin_reject, "Send back to draft.", note=graphene.String()
)
BulletinPublish = _bulletin_move(
    "BulletinPublish", services.bulletin_publish, "Issue: validated CAP 1.2, signed."
)
BulletinWithdraw = _bulletin_move(
    "BulletinWithdraw",
    services.bulletin_withdraw,
    "Withdraw a bulletin issued in error (tombstone).",
    reason=graphene.String(required=True),
)


def _follow_up(name: str, msg_type: str, doc: str):
    def mutate(cls, root, info, id, changes=None, expected_version=None):
        bulletin = services.bulletin_follow_up(
            principal=principal(info),
            bulletin=_bulletin(info, id),
            msg_type=msg_type,
            data=_plain(changes or {}),
            expected_version=expected_version,
        )
        return cls(bulletin=bulletin, errors=[])

    return type(
        name,
        (graphene.Mutation,),
        {
            "__doc__": doc,
            "Arguments": type(
                "Arguments",
                (),
                {
                    "id": graphene.Int(required=True),
                    "changes": BulletinInput(),
                    **_EXPECTED_VERSION,
                },
            ),
            "bulletin": graphene.Field(BulletinType),
            "errors": ERRORS,
            "mutate": classmethod(hub_mutation(mutate)),
        },
    )


BulletinCorrect = _follow_up(
    "BulletinCorrect", MsgType.UPDATE, "Draft an Update of a published bulletin."
)
BulletinCancel = _follow_up(
    "BulletinCancel", MsgType.CANCEL, "Draft a Cancel of a published bulletin."
)


class Mutation(graphene.ObjectType):
    claim_create = ClaimCreate.Field()
    claim_update = ClaimUpdate.Field()
    claim_appearance_add = ClaimAppearanceAdd.Field()
    clarification_create = ClarificationCreate.Field()
    clarification_update = ClarificationUpdate.Field()
    clarification_submit = ClarificationSubmit.Field()
    clarification_approve = ClarificationApprove.Field()
    clarification_reject = ClarificationReject.Field()
    clarification_publish = ClarificationPublish.Field()
    clarification_correct = ClarificationCorrect.Field()
    clarification_withdraw = ClarificationWithdraw.Field()
    bulletin_create = BulletinCreate.Field()
    bulletin_update = BulletinUpdate.Field()
    bulletin_submit = BulletinSubmit.Field()
    bulletin_approve = BulletinApprove.Field()
    bulletin_reject = BulletinReject.Field()
    bulletin_publish = BulletinPublish.Field()
    bulletin_withdraw = BulletinWithdraw.Field()
    bulletin_correct = BulletinCorrect.Field()
    bulletin_cancel = BulletinCancel.Field()
