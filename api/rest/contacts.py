"""REST resources of the contact directory: offices, posts, persons, contacts, exports, hotlines.

Thin: reads go through ``agencies.contacts.selectors`` (the policy), writes
through ``agencies.contacts.services``. Each response that reveals personal
data leaves one ``pdp.read`` audit entry (see ``selectors.PdpReads``).
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, viewsets
from rest_framework.decorators import action

from agencies import policy
from agencies.contact_values import CHANNELS
from agencies.contacts import exports, selectors
from agencies.contacts.cleaning import warning_messages
from agencies.contacts.filters import (
    ContactPointFilterSet,
    OfficeFilterSet,
    PersonFilterSet,
    PostFilterSet,
)
from agencies.contacts.freshness import is_stale
from agencies.contacts.imports import XLSX_TYPE, max_bytes, read_table, rows_for_agency
from agencies.contacts.models import ContactPoint, Office, Person, Post, ShortCode
from agencies.contacts.selectors import PdpReads
from agencies.contacts.services import (
    contact_create,
    contact_delete,
    contact_update,
    contact_verify,
    contacts_import,
    office_create,
    office_delete,
    office_update,
    pdp_export,
    person_create,
    person_erase,
    person_update,
    post_create,
    post_delete,
    post_update,
    shortcode_create,
    shortcode_delete,
)
from agencies.models import Agency
from agencies.vcard import to_jcard, to_vcard
from api.errors import language
from api.renderers import JSONRenderer
from api.resources import Expansion, Resource
from api.schema import document_resource
from api.views import ResourceViewSet
from hub.errors import FieldError, PayloadTooLarge, ValidationFailed

VCARD = "text/vcard"
JCARD = "application/vcard+json"
CSV = "text/csv"

# The API documentation reads "<name>_id" paths as foreign keys; the import key is plain text,
# so it is rendered as a computed value.
EXTERNAL_ID = {"external_id": lambda row: row["external_id"]}
EXTERNAL_ID_NEEDS = {"external_id": ("external_id",)}

AGENCY_BRIEF = {"slug": "slug", "name": "name", "acronym": "acronym", "type": "type"}
REGION_BRIEF = {"code": "code", "name": "name", "level": "level", "kind": "kind"}

# ---------------------------------------------------------------------------
# Representations. Built per request: personal fields note what they reveal.
# ---------------------------------------------------------------------------


def short_code_resource(reads=None, lang="id") -> Resource:
    return Resource(
        name="ShortCode",
        fields={"code": "code", "description": "description", "created_at": "created_at"},
    )


def office_resource(reads=None, lang="id") -> Resource:
    return Resource(
        name="Office",
        fields={
            "id": "id",
            "agency": "agency__slug",
            "name": "name",
            "address": "address",
            "postal_code": "postal_code",
            "region": "region_id",
            "latitude": "latitude",
            "longitude": "longitude",
            "opening_hours": "opening_hours",
            "version": "version",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
        expansions={
            "agency": Expansion("agency", AGENCY_BRIEF),
            "region": Expansion("region", REGION_BRIEF),
        },
        computed=EXTERNAL_ID,
        computed_needs=EXTERNAL_ID_NEEDS,
    )


def post_resource(reads: PdpReads | None = None, lang="id") -> Resource:
    principal = reads.principal if reads else policy.ANONYMOUS

    def holder(row):
        if row["holder_id"] is None or not selectors.person_visible(
            principal, row["holder__agency_id"], row["holder__consent_at"]
        ):
            return None
        if reads:
            reads.person(row["holder_id"], row["holder__consent_at"])
        return {
            "id": row["holder_id"],
            "name": row["holder__name"],
            "honorific": row["holder__honorific"],
        }

    return Resource(
        name="Post",
        fields={
            "id": "id",
            "agency": "agency__slug",
            "label": "label",
            "role": "role",
            "office": "office_id",
            "start_date": "start_date",
            "end_date": "end_date",
            "version": "version",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
        expansions={
            "agency": Expansion("agency", AGENCY_BRIEF),
            "office": Expansion("office", {"id": "id", "name": "name", "region": "region_id"}),
        },
        computed={**EXTERNAL_ID, "holder": holder},
        computed_needs={
            **EXTERNAL_ID_NEEDS,
            "holder": (
                "holder_id",
                "holder__agency_id",
                "holder__consent_at",
                "holder__name",
                "holder__honorific",
            ),
        },
    )


def person_resource(reads: PdpReads | None = None, lang="id") -> Resource:
    def personal(name):
        def read(row):
            if reads:
                reads.person(row["id"], row["consent_at"])
            return row[name]

        return read

    personal_fields = ("name", "honorific", "photo_asset")
    return Resource(
        name="Person",
        fields={
            "id": "id",
            "agency": "agency__slug",
            "consent_at": "consent_at",
            "consent_recorded_by": "consent_recorded_by",
            "version": "version",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
        computed={
            **{name: personal(name) for name in personal_fields},
            "consent": lambda row: row["consent_at"] is not None,
        },
        computed_needs={
            **{name: ("id", "consent_at", name) for name in personal_fields},
            "consent": ("consent_at",),
        },
    )


def contact_resource(reads: PdpReads | None = None, lang="id") -> Resource:
    def personal(name):
        def read(row):
            if reads:
                reads.contact(row["id"], row["is_personal"], row["person_id"])
            return row[name]

        return read

    personal_fields = ("value", "normalized", "display")
    return Resource(
        name="ContactPoint",
        fields={
            "id": "id",
            "agency": "agency__slug",
            "office": "office_id",
            "post": "post_id",
            "person": "person_id",
            "channel": "channel",
            "purpose": "purpose",
            "label": "label",
            "availability": "availability",
            "languages": "languages",
            "visibility": "visibility",
            "is_personal": "is_personal",
            "legal_basis": "legal_basis",
            "personal_purpose": "personal_purpose",
            "valid_from": "valid_from",
            "valid_through": "valid_through",
            "last_verified_at": "last_verified_at",
            "last_verified_by": "last_verified_by",
            "source_url": "source_url",
            "note": "note",
            "version": "version",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
        expansions={
            "agency": Expansion("agency", AGENCY_BRIEF),
            "office": Expansion("office", {"id": "id", "name": "name", "region": "region_id"}),
            "post": Expansion("post", {"id": "id", "label": "label", "role": "role"}),
        },
        computed={
            **EXTERNAL_ID,
            **{name: personal(name) for name in personal_fields},
            "stale": lambda row: is_stale(row["purpose"], row["last_verified_at"]),
            "region": lambda row: (
                row["office__region_id"]
                or row["post__office__region_id"]
                or row["agency__region_id"]
            ),
            "warnings": lambda row: warning_messages(row["warnings"], lang),
        },
        computed_needs={
            **EXTERNAL_ID_NEEDS,
            **{name: ("id", "is_personal", "person_id", name) for name in personal_fields},
            "stale": ("purpose", "last_verified_at"),
            "region": ("office__region_id", "post__office__region_id", "agency__region_id"),
            "warnings": ("warnings",),
        },
    )


# ---------------------------------------------------------------------------
# Inputs (documentation of the request bodies; the services validate)
# ---------------------------------------------------------------------------


class OfficeInput(serializers.Serializer):
    agency = serializers.SlugField(help_text="owning agency's slug (create only)")
    external_id = serializers.CharField(required=False)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField()
    postal_code = serializers.CharField(required=False)
    region = serializers.CharField(help_text="kode wilayah")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False)
    opening_hours = serializers.CharField(required=False, help_text="e.g. Mo-Fr 08:00-16:00")


class PostInput(serializers.Serializer):
    agency = serializers.SlugField(help_text="owning agency's slug (create only)")
    external_id = serializers.CharField(required=False)
    label = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=Post.Role.choices)
    office = serializers.IntegerField(required=False, allow_null=True)
    holder = serializers.IntegerField(required=False, allow_null=True, help_text="person id")
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)


class PersonInput(serializers.Serializer):
    agency = serializers.SlugField(help_text="agency's slug (create only)")
    name = serializers.CharField(max_length=200)
    honorific = serializers.CharField(required=False)
    photo_asset = serializers.CharField(required=False, help_text="media asset id")
    consent = serializers.BooleanField(required=False, help_text="record or withdraw consent")
    consent_note = serializers.CharField(required=False)


class ContactInput(serializers.Serializer):
    agency = serializers.SlugField(help_text="owning agency's slug (create only)")
    external_id = serializers.CharField(required=False)
    office = serializers.IntegerField(required=False, allow_null=True)
    post = serializers.IntegerField(required=False, allow_null=True)
    person = serializers.IntegerField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=CHANNELS)
    value = serializers.CharField()
    purpose = serializers.ChoiceField(choices=ContactPoint.Purpose.choices, required=False)
    label = serializers.CharField(required=False)
    availability = serializers.CharField(required=False, help_text="e.g. 24/7")
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    visibility = serializers.ChoiceField(choices=ContactPoint.Visibility.choices, required=False)
    is_personal = serializers.BooleanField(required=False)
    legal_basis = serializers.ChoiceField(choices=ContactPoint.LegalBasis.choices, required=False)
    personal_purpose = serializers.CharField(required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_through = serializers.DateField(required=False, allow_null=True)
    source_url = serializers.URLField(required=False)
    note = serializers.CharField(required=False)
    last_verified_at = serializers.DateTimeField(required=False)


class ShortCodeInput(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()


# ---------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------


class VCardRenderer(JSONRenderer):
    media_type = VCARD
    format = "vcf"


class JCardRenderer(JSONRenderer):
    media_type = JCARD
    format = "jcard"


class CsvRenderer(JSONRenderer):
    media_type = CSV
    format = "csv"


class UploadParser(parsers.BaseParser):
    """A raw CSV or XLSX upload: the body is the file."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > max_bytes():
            raise PayloadTooLarge()
        content = stream.read(max_bytes() + 1) if stream is not None else b""
        if len(content) > max_bytes():
            raise PayloadTooLarge()
        return {"content": content, "content_type": media_type or ""}


def _text_response(body: str | bytes, content_type: str, filename: str | None = None):
    response = HttpResponse(body, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Vary"] = "Accept, Accept-Language, Authorization, Cookie"
    response["Cache-Control"] = "private, no-store"
    return response


def _agency_by_slug(slug, field="agency") -> Agency:
    agency = Agency.objects.filter(slug=str(slug or "")).first()
    if agency is None:
        raise ValidationFailed(
            errors=[FieldError(field, "unknown_agency", "Instansi tidak ada.", "No such agency.")]
        )
    return agency


def _bool_param(request, name: str, default: bool = False) -> bool:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ValidationFailed(
        errors=[FieldError(name, "invalid_boolean", "Harus true/false.", "Must be true or false.")]
    )


class PdpReadsMixin:
    """Notes the personal data a response reveals; responding logs it as one pdp.read entry."""

    resource_factory: Callable[..., Resource] | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.reads = PdpReads(request.user, via=f"rest:{request.method} {request.path}")
        if self.resource_factory is not None:
            self.resource = self.resource_factory(self.reads, language(request))

    def respond(self, data, status=200, headers=None):
        self.reads.flush()
        return super().respond(data, status, headers)

    def text(self, body, content_type, filename=None):
        self.reads.flush()
        return _text_response(body, content_type, filename)


class _JsonResponses:
    """The resources' JSON response (ETag, If-None-Match) for viewsets that list no model."""

    respond = ResourceViewSet.respond


class ActionViewSet(PdpReadsMixin, _JsonResponses, viewsets.ViewSet):
    """Endpoints that are not one model's list and items, answered like every resource."""

    renderer_classes = [JSONRenderer]
    anonymous_read = True


class ContactsResourceViewSet(PdpReadsMixin, ResourceViewSet):
    """A ResourceViewSet whose representation notes and logs the personal data it reveals."""

    def writable_body(self) -> tuple[dict, Agency | None]:
        """The JSON body and, on create, the agency it names (which then leaves the body).

        A record never moves between agencies: on update `agency` is an unknown field.
        """
        data = dict(self.body())
        if self.action != "create":
            return data, None
        return data, _agency_by_slug(data.pop("agency", None))


# ---------------------------------------------------------------------------
# Viewsets
# ---------------------------------------------------------------------------


@document_resource(short_code_resource(), None, lookup="code", write=ShortCodeInput)
class ShortCodeViewSet(ContactsResourceViewSet):
    """Official short codes (110, 112, 117…) a voice contact may use. Platform admins edit."""

    resource = short_code_resource()
    resource_factory = staticmethod(short_code_resource)
    model = ShortCode
    ordering = ("code",)
    lookup_field = "code"
    anonymous_read = True

    def get_queryset(self):
        return policy.visible_to(self.request.user, ShortCode.objects.all())

    def create(self, request):
        data = self.body()
        row = shortcode_create(
            principal=request.user, code=data.get("code"), description=data.get("description")
        )
        return self.created(row)

    def destroy(self, request, code=None):
        shortcode_delete(principal=request.user, short_code=self.get_object())
        return self.respond(None, status=204)


@document_resource(office_resource(), OfficeFilterSet, lookup="id", write=OfficeInput)
class OfficeViewSet(ContactsResourceViewSet):
    """Agencies' offices: address, kode wilayah, coordinates, opening hours. Public."""

    resource = office_resource()
    resource_factory = staticmethod(office_resource)
    model = Office
    filterset_class = OfficeFilterSet
    ordering = ("id",)
    anonymous_read = True

    def get_queryset(self):
        return selectors.offices_visible(self.request.user)

    def create(self, request):
        data, agency = self.writable_body()
        return self.created(office_create(principal=request.user, agency=agency, data=data))

    def partial_update(self, request, pk=None):
        with self.changing() as office:
            data, _ = self.writable_body()
            office = office_update(principal=request.user, office=office, data=data)
        return self.respond(self.represent(office))

    def destroy(self, request, pk=None):
        with self.changing() as office:
            office_delete(principal=request.user, office=office)
        return self.respond(None, status=204)


@document_resource(post_resource(), PostFilterSet, lookup="id", write=PostInput)
class PostViewSet(ContactsResourceViewSet):
    """Posts (jabatan): PPID, data protection officer, humas… `?agency=bnpb&role=ppid`."""

    resource = post_resource()
    resource_factory = staticmethod(post_resource)
    model = Post
    filterset_class = PostFilterSet
    ordering = ("id",)
    anonymous_read = True

    def get_queryset(self):
        return selectors.posts_visible(self.request.user)

    def create(self, request):
        data, agency = self.writable_body()
        return self.created(post_create(principal=request.user, agency=agency, data=data))

    def partial_update(self, request, pk=None):
        with self.changing() as post:
            data, _ = self.writable_body()
            post = post_update(principal=request.user, post=post, data=data)
        return self.respond(self.represent(post))

    def destroy(self, request, pk=None):
        with self.changing() as post:
            post_delete(principal=request.user, post=post)
        return self.respond(None, status=204)


@document_resource(person_resource(), PersonFilterSet, lookup="id", write=PersonInput)
class PersonViewSet(ContactsResourceViewSet):
    """Holders of posts. Outside their agency only once their consent is recorded.

    DELETE erases the person's personal data (UU PDP); their posts stay.
    """

    resource = person_resource()
    resource_factory = staticmethod(person_resource)
    model = Person
    filterset_class = PersonFilterSet
    ordering = ("id",)
    anonymous_read = True

    def get_queryset(self):
        return selectors.persons_visible(self.request.user)

    def create(self, request):
        data, agency = self.writable_body()
        return self.created(person_create(principal=request.user, agency=agency, data=data))

    def partial_update(self, request, pk=None):
        with self.changing() as person:
            data, _ = self.writable_body()
            person = person_update(principal=request.user, person=person, data=data)
        return self.respond(self.represent(person))

    def destroy(self, request, pk=None):
        with self.changing() as person:
            person_erase(principal=request.user, person=person)
        return self.respond(None, status=204)

    @extend_schema(
        summary="Everything held about the person, and who read it (UU PDP access right)",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="pdp-export")
    def pdp_export(self, request, pk=None):
        data = pdp_export(principal=request.user, person=self.get_object())
        response = self.respond(data)
        response["Cache-Control"] = "private, no-store"
        return response


@document_resource(contact_resource(), ContactPointFilterSet, lookup="id", write=ContactInput)
class ContactPointViewSet(ContactsResourceViewSet):
    """Contact points of agencies, offices and posts.

    `?agency=&purpose=&region=&q=` (region includes every region under it),
    `?role=ppid` (contacts of an agency's PPID post), `?stale=true`.
    """

    resource = contact_resource()
    resource_factory = staticmethod(contact_resource)
    model = ContactPoint
    filterset_class = ContactPointFilterSet
    ordering = ("id",)
    anonymous_read = True

    def get_queryset(self):
        return selectors.contacts_visible(self.request.user)

    def create(self, request):
        data, agency = self.writable_body()
        return self.created(contact_create(principal=request.user, agency=agency, data=data))

    def partial_update(self, request, pk=None):
        with self.changing() as contact:
            data, _ = self.writable_body()
            contact = contact_update(principal=request.user, contact=contact, data=data)
        return self.respond(self.represent(contact))

    def destroy(self, request, pk=None):
        with self.changing() as contact:
            contact_delete(principal=request.user, contact=contact)
        return self.respond(None, status=204)

    @extend_schema(
        summary="Record that the contact was checked and works (who and when)",
        request=None,
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        contact = contact_verify(principal=request.user, contact=self.get_object())
        return self.respond(self.represent(contact))

    def _one(self) -> ContactPoint:
        contact = self.get_object(self.get_queryset().select_related("agency", "office", "post"))
        self.reads.contact(contact.pk, contact.is_personal, contact.person_id)
        return contact

    @extend_schema(
        summary="The contact as a vCard 4.0",
        responses={(200, VCARD): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], renderer_classes=[VCardRenderer, JSONRenderer])
    def vcard(self, request, pk=None):
        contact = self._one()
        body = to_vcard([exports.contact_card(contact)])
        return self.text(body, f"{VCARD}; charset=utf-8", f"contact-{contact.pk}.vcf")

    @extend_schema(
        summary="The contact as a jCard (RFC 7095)",
        responses={(200, JCARD): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JCardRenderer, JSONRenderer])
    def jcard(self, request, pk=None):
        contact = self._one()
        return self.text(orjson.dumps(to_jcard(exports.contact_card(contact))), JCARD)

    @extend_schema(
        summary="Stale contacts (not verified in time), grouped by agency",
        parameters=[OpenApiParameter("agency", str, description="one agency's slug")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def stale(self, request):
        groups = selectors.stale_by_agency(request.user, agency=request.GET.get("agency"))
        ids = [contact.pk for group in groups for contact in group["contacts"]]
        rendered = {
            row["id"]: row
            for row in self.resource.render(
                ContactPoint.objects.filter(pk__in=ids),
                fields=list(dict.fromkeys(["id", *self._shape()[0]])),
            )
        }
        results = [
            {
                "agency": {
                    "slug": group["agency"].slug,
                    "name": group["agency"].name,
                    "acronym": group["agency"].acronym,
                },
                "count": len(group["contacts"]),
                "contacts": [rendered[contact.pk] for contact in group["contacts"]],
            }
            for group in groups
        ]
        return self.respond({"results": results})

    @extend_schema(
        summary="The (filtered) contacts as CSV; the file can be edited and imported again",
        responses={(200, CSV): OpenApiTypes.STR},
        filters=True,
    )
    @action(detail=False, methods=["get"], renderer_classes=[CsvRenderer, JSONRenderer])
    def csv(self, request):
        rows = self.filter_queryset(self.get_queryset()).order_by("id").values(*exports.CSV_VALUES)
        body = exports.contacts_csv(rows, self.reads)
        return self.text(body, f"{CSV}; charset=utf-8; header=present", "contacts.csv")

    @extend_schema(
        summary="Import contacts of an agency from CSV or XLSX (upsert by external_id)",
        description=(
            "Send the file as the body (`text/csv` or the XLSX type) or as the `file` field "
            "of multipart/form-data. `?dry_run=true` reports what would change and every "
            "row's errors without writing. A real run with errors writes nothing."
        ),
        parameters=[
            OpenApiParameter("agency", str, required=True),
            OpenApiParameter("dry_run", bool),
        ],
        request={CSV: OpenApiTypes.BINARY, XLSX_TYPE: OpenApiTypes.BINARY},
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="the import report"),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[parsers.MultiPartParser, UploadParser],
    )
    def import_(self, request):
        agency = _agency_by_slug(request.GET.get("agency"))
        dry_run = _bool_param(request, "dry_run")
        content, content_type = self._upload(request)
        rows = rows_for_agency(read_table(content, content_type=content_type), agency)
        report = contacts_import(principal=request.user, agency=agency, rows=rows, dry_run=dry_run)
        return self.respond(report.as_dict(language(request)))

    def _upload(self, request) -> tuple[bytes, str]:
        data = request.data
        upload = data.get("file") if hasattr(data, "get") else None
        if upload is not None and hasattr(upload, "read"):
            if upload.size > max_bytes():
                raise PayloadTooLarge()
            return upload.read(), upload.content_type or ""
        if isinstance(data, dict) and isinstance(data.get("content"), bytes):
            return data["content"], data["content_type"]
        raise ValidationFailed(
            errors=[FieldError("file", "required", "Berkas wajib.", "A file is required.")]
        )


AGENCY_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="the agency's slug")


@extend_schema(responses={200: OpenApiTypes.OBJECT})
class DirectoryViewSet(ActionViewSet):
    """One agency's whole directory (PPID and data protection officer first) and its exports."""

    lookup_field = "slug"

    def _directory(self) -> selectors.Directory:
        agency = selectors.agency_for(self.request.user, self.kwargs["slug"])
        return selectors.directory(self.request.user, agency, self.reads)

    @extend_schema(
        summary="An agency's directory: PPID, DPO, offices, posts, contacts",
        parameters=[AGENCY_SLUG],
    )
    def retrieve(self, request, slug=None):
        found = self._directory()
        lang = language(request)
        contacts = {
            row["id"]: row
            for row in contact_resource(self.reads, lang).render(
                ContactPoint.objects.filter(pk__in=[c.pk for c in found.contacts])
            )
        }
        offices = {
            row["id"]: row
            for row in office_resource().render(
                Office.objects.filter(pk__in=[o.pk for o in found.offices])
            )
        }
        posts = {
            row["id"]: row
            for row in post_resource(self.reads, lang).render(
                Post.objects.filter(pk__in=[p.pk for p in found.posts])
            )
        }

        def with_contacts(row, **owner):
            return {**row, "contacts": [contacts[c.pk] for c in found.contacts_of(**owner)]}

        agency = found.agency
        return self.respond(
            {
                "agency": {
                    "slug": agency.slug,
                    "name": agency.name,
                    "acronym": agency.acronym,
                    "type": agency.type,
                    "region": agency.region_id,
                    "website": agency.website,
                },
                "ppid": [with_contacts(posts[p.pk], post=p) for p in found.ppid],
                "dpo": [with_contacts(posts[p.pk], post=p) for p in found.dpo],
                "offices": [with_contacts(offices[o.pk], office=o) for o in found.offices],
                "posts": [with_contacts(posts[p.pk], post=p) for p in found.posts],
                "contacts": [contacts[c.pk] for c in found.contacts_of()],
            }
        )

    @extend_schema(
        summary="The agency's directory as vCard 4.0 (agency, offices, posts)",
        parameters=[AGENCY_SLUG],
        responses={(200, VCARD): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], renderer_classes=[VCardRenderer, JSONRenderer])
    def vcard(self, request, slug=None):
        found = self._directory()
        body = to_vcard(exports.directory_cards(found))
        return self.text(body, f"{VCARD}; charset=utf-8", f"{found.agency.slug}.vcf")

    @extend_schema(
        summary="The agency's directory as a JSON array of jCards (RFC 7095)",
        parameters=[AGENCY_SLUG],
        responses={(200, JCARD): OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JCardRenderer, JSONRenderer])
    def jcard(self, request, slug=None):
        found = self._directory()
        body = orjson.dumps([to_jcard(card) for card in exports.directory_cards(found)])
        return self.text(body, JCARD)

    @extend_schema(summary="The whole directory you may see as Popolo JSON")
    @action(detail=False, methods=["get"])
    def popolo(self, request):
        return self.respond(exports.popolo(request.user, self.reads))


class HotlineViewSet(ActionViewSet):
    """The nearest official public hotline or emergency number for a place."""

    resource_factory = staticmethod(contact_resource)

    @extend_schema(
        summary="Nearest public hotline/emergency contact for a region (kode wilayah)",
        description=(
            "Walks up village → district → regency/city → province, then up the agency "
            "hierarchy, then national agencies. `match.via` says which step found it."
        ),
        parameters=[OpenApiParameter("region", str, required=True, description="kode wilayah")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        match = selectors.hotline_lookup(region_code=request.GET.get("region", ""))
        rendered = {
            row["id"]: row
            for row in self.resource.render(
                ContactPoint.objects.filter(pk__in=[c.pk for c in match.contacts])
            )
        }

        def region(item):
            if item is None:
                return None
            return {"code": item.code, "name": item.name, "level": item.level, "kind": item.kind}

        return self.respond(
            {
                "region": region(match.region),
                "match": {
                    "via": match.via,
                    "level": match.matched_region.kind if match.matched_region else match.via,
                    "steps": match.steps,
                    "region": region(match.matched_region),
                },
                "results": [
                    {
                        "agency": {
                            "slug": contact.agency.slug,
                            "name": contact.agency.name,
                            "acronym": contact.agency.acronym,
                        },
                        "contact": rendered[contact.pk],
                    }
                    for contact in match.contacts
                ],
            }
        )


__all__ = [
    "ContactPointViewSet",
    "DirectoryViewSet",
    "HotlineViewSet",
    "OfficeViewSet",
    "PersonViewSet",
    "PostViewSet",
    "ShortCodeViewSet",
]
