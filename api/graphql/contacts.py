"""GraphQL types and mutations of the contact directory (same FilterSets, policy, services).

Related objects are resolved from ``select_related`` rows (never one query per
row), and personal data a response reveals is logged as ``pdp.read`` once per
list page, as in REST.
"""

from __future__ import annotations

import base64
import binascii

import graphene
from graphene import relay
from graphene.types.generic import GenericScalar
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

from agencies import policy
from agencies.contacts import exports, selectors
from agencies.contacts.cleaning import warning_messages
from agencies.contacts.filters import (
    ContactPointFilterSet,
    OfficeFilterSet,
    PersonFilterSet,
    PostFilterSet,
)
from agencies.contacts.freshness import is_stale
from agencies.contacts.imports import read_table, rows_for_agency
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
    person_create,
    person_erase,
    person_update,
    post_create,
    post_delete,
    post_update,
    shortcode_create,
    shortcode_delete,
)
from agencies.vcard import to_jcard, to_vcard
from api.errors import language
from api.graphql.agencies import AgencyType, ListConnection, RegionType, principal
from api.graphql.connections import HubConnectionField
from api.graphql.errors import ERRORS, hub_mutation, mutation
from hub.errors import FieldError, NotFound, ValidationFailed

CONTACT_PERSONAL = {"value", "normalized", "display"}
PERSON_PERSONAL = {"name", "honorific", "photoAsset"}


# ---------------------------------------------------------------------------
# Personal-data reads
# ---------------------------------------------------------------------------


class _RequestReads:
    """The request's PdpReads plus what it already logged, so nothing is logged twice."""

    def __init__(self, info) -> None:
        self.reads = PdpReads(principal(info), via="graphql")
        self.persons: set[int] = set()
        self.contacts: set[int] = set()

    def flush(self) -> None:
        self.reads.persons -= self.persons
        self.reads.contacts -= self.contacts
        self.persons |= self.reads.persons
        self.contacts |= self.reads.contacts
        self.reads.flush()


def _reads(info) -> _RequestReads:
    request = info.context
    if not hasattr(request, "_contacts_pdp_reads"):
        request._contacts_pdp_reads = _RequestReads(info)
    return request._contacts_pdp_reads


def _note_contact(info, contact: ContactPoint) -> None:
    reads = _reads(info)
    reads.reads.contact(contact.pk, contact.is_personal, contact.person_id)
    reads.flush()


def _note_person(info, person: Person | None) -> None:
    if person is not None:
        reads = _reads(info)
        reads.reads.person(person.pk, person.consent_at)
        reads.flush()


def _selected(info, names: set[str], path: tuple[str, ...] = ()) -> bool:
    """Does the query select any of `names` (under `path`, e.g. edges → node)?"""

    def walk(selection_set, remaining: tuple[str, ...]) -> bool:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if remaining:
                    if name == remaining[0] and walk(selection.selection_set, remaining[1:]):
                        return True
                elif name in names:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if walk(selection.selection_set, remaining):
                    return True
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None and walk(fragment.selection_set, remaining):
                    return True
        return False

    return any(walk(node.selection_set, path) for node in info.field_nodes)


class LoggedConnectionField(HubConnectionField):
    """A filtered connection that logs the personal data of the page it returns, once."""

    def __init__(self, *args, note=None, personal=(), **kwargs):
        self._note = note
        self._personal = set(personal)
        super().__init__(*args, **kwargs)

    def wrap_resolve(self, parent_resolver):
        resolve = super().wrap_resolve(parent_resolver)
        note, personal = self._note, self._personal

        def resolver(root, info, **args):
            connection = resolve(root, info, **args)
            if note is not None and _selected(info, personal, ("edges", "node")):
                reads = _reads(info)
                for edge in connection.edges:
                    note(reads.reads, info, edge.node)
                reads.flush()
            return connection

        return resolver


def _note_contact_row(reads: PdpReads, info, contact: ContactPoint) -> None:
    reads.contact(contact.pk, contact.is_personal, contact.person_id)


def _note_person_row(reads: PdpReads, info, person: Person) -> None:
    reads.person(person.pk, person.consent_at)


def _note_post_holder(reads: PdpReads, info, post: Post) -> None:
    selectors.visible_holder(principal(info), post, reads)


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


class ShortCodeType(DjangoObjectType):
    """An official short code (nomor layanan singkat) voice contacts may use."""

    class Meta:
        model = ShortCode
        name = "ShortCode"
        fields = ("code", "description", "created_at")


class OfficeType(DjangoObjectType):
    """A physical office of an agency."""

    database_id = graphene.Int(required=True, description="The office's id (REST `id`).")
    latitude = graphene.Float()
    longitude = graphene.Float()

    class Meta:
        model = Office
        name = "Office"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "region",
            "external_id",
            "name",
            "address",
            "postal_code",
            "opening_hours",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = OfficeFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency", "region")
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    @bypass_get_queryset
    def resolve_region(self, info):
        return self.region

    def resolve_latitude(self, info):
        return float(self.latitude) if self.latitude is not None else None

    def resolve_longitude(self, info):
        return float(self.longitude) if self.longitude is not None else None


class PersonType(DjangoObjectType):
    """A post holder. Visible outside their agency only with recorded consent."""

    database_id = graphene.Int(required=True)
    name = graphene.String(required=True, description="Personal data; reads are logged.")
    honorific = graphene.String(required=True, description="Personal data; reads are logged.")
    photo_asset = graphene.String(description="Media asset id. Personal data; reads are logged.")
    consent = graphene.Boolean(required=True, description="Consent to publication recorded.")

    class Meta:
        model = Person
        name = "Person"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "consent_at",
            "consent_recorded_by",
            "version",
            "created_at",
            "updated_at",
        )
        filterset_class = PersonFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return policy.visible_to(principal(info), queryset).select_related("agency").order_by("id")

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    def resolve_name(self, info):
        _note_person(info, self)
        return self.name

    def resolve_honorific(self, info):
        _note_person(info, self)
        return self.honorific

    def resolve_photo_asset(self, info):
        _note_person(info, self)
        return self.photo_asset or None

    def resolve_consent(self, info):
        return self.consent_at is not None


class PostType(DjangoObjectType):
    """A post (jabatan): PPID, data protection officer, humas, head…"""

    database_id = graphene.Int(required=True)
    holder = graphene.Field(PersonType, description="Current holder, if you may see them.")

    class Meta:
        model = Post
        name = "Post"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "office",
            "external_id",
            "label",
            "role",
            "start_date",
            "end_date",
            "version",
            "created_at",
            "updated_at",
        )
        convert_choices_to_enum = False
        filterset_class = PostFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency", "office", "holder")
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    @bypass_get_queryset
    def resolve_office(self, info):
        return self.office

    def resolve_holder(self, info):
        reads = _reads(info)
        holder = selectors.visible_holder(principal(info), self, reads.reads)
        reads.flush()
        return holder


class ContactWarning(graphene.ObjectType):
    """A non-blocking remark on a contact, e.g. an address outside the official domains."""

    code = graphene.String(required=True)
    message = graphene.String(required=True)


class ContactPointType(DjangoObjectType):
    """One way to reach an agency, office or post."""

    database_id = graphene.Int(required=True, description="The contact's id (REST `id`).")
    value = graphene.String(required=True, description="As written by the editor.")
    normalized = graphene.String(required=True, description="E.164, e-mail, URL or handle.")
    display = graphene.String(required=True, description="How people read it.")
    languages = graphene.List(graphene.NonNull(graphene.String), required=True)
    stale = graphene.Boolean(required=True, description="Not verified within its period.")
    region = graphene.String(description="Kode wilayah where the contact is located.")
    warnings = graphene.List(graphene.NonNull(ContactWarning), required=True)

    class Meta:
        model = ContactPoint
        name = "ContactPoint"
        interfaces = (relay.Node,)
        fields = (
            "agency",
            "office",
            "post",
            "person",
            "external_id",
            "channel",
            "purpose",
            "label",
            "availability",
            "visibility",
            "is_personal",
            "legal_basis",
            "personal_purpose",
            "valid_from",
            "valid_through",
            "last_verified_at",
            "last_verified_by",
            "source_url",
            "note",
            "version",
            "created_at",
            "updated_at",
        )
        convert_choices_to_enum = False
        filterset_class = ContactPointFilterSet
        connection_class = ListConnection

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            policy.visible_to(principal(info), queryset)
            .select_related("agency", "office", "post__office", "person")
            .order_by("id")
        )

    def resolve_database_id(self, info):
        return self.pk

    @bypass_get_queryset
    def resolve_agency(self, info):
        return self.agency

    @bypass_get_queryset
    def resolve_office(self, info):
        return self.office

    @bypass_get_queryset
    def resolve_post(self, info):
        return self.post

    @bypass_get_queryset
    def resolve_person(self, info):
        return self.person

    def resolve_value(self, info):
        _note_contact(info, self)
        return self.value

    def resolve_normalized(self, info):
        _note_contact(info, self)
        return self.normalized

    def resolve_display(self, info):
        _note_contact(info, self)
        return self.display

    def resolve_languages(self, info):
        return list(self.languages)

    def resolve_stale(self, info):
        return is_stale(self.purpose, self.last_verified_at)

    def resolve_region(self, info):
        if self.office_id:
            return self.office.region_id
        if self.post_id and self.post.office_id:
            return self.post.office.region_id
        return self.agency.region_id

    def resolve_warnings(self, info):
        return [
            ContactWarning(**item)
            for item in warning_messages(self.warnings, language(info.context))
        ]


class StaleGroup(graphene.ObjectType):
    """The stale contacts of one agency."""

    agency = graphene.Field(AgencyType, required=True)
    count = graphene.Int(required=True)
    contacts = graphene.List(graphene.NonNull(ContactPointType), required=True)


class HotlineResult(graphene.ObjectType):
    agency = graphene.Field(AgencyType, required=True)
    contact = graphene.Field(ContactPointType, required=True)


class Hotline(graphene.ObjectType):
    """The nearest public hotline/emergency contacts for a region, and how they were found."""

    region = graphene.Field(RegionType, required=True, description="The region asked about.")
    via = graphene.String(required=True, description="region, agency or national.")
    level = graphene.String(required=True, description="Kind of the matched region, or `via`.")
    steps = graphene.Int(required=True, description="Levels walked up (0 = the region itself).")
    matched_region = graphene.Field(RegionType)
    results = graphene.List(graphene.NonNull(HotlineResult), required=True)


class Directory(graphene.ObjectType):
    """What you may see of one agency's directory."""

    agency = graphene.Field(AgencyType, required=True)
    ppid = graphene.List(graphene.NonNull(PostType), required=True, description="PPID posts.")
    dpo = graphene.List(
        graphene.NonNull(PostType), required=True, description="Data protection officer posts."
    )
    offices = graphene.List(graphene.NonNull(OfficeType), required=True)
    posts = graphene.List(graphene.NonNull(PostType), required=True)
    contacts = graphene.List(graphene.NonNull(ContactPointType), required=True)


class ImportProblem(graphene.ObjectType):
    row = graphene.Int(required=True, description="Spreadsheet row number (header = 1).")
    field = graphene.String()
    code = graphene.String(required=True)
    message = graphene.String(required=True)


class ImportReport(graphene.ObjectType):
    dry_run = graphene.Boolean(required=True)
    rows = graphene.Int(required=True)
    created = graphene.Int(required=True)
    updated = graphene.Int(required=True)
    unchanged = graphene.Int(required=True)
    errors = graphene.List(graphene.NonNull(ImportProblem), required=True)
    warnings = graphene.List(graphene.NonNull(ImportProblem), required=True)


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def _one(type_, info, pk) -> object | None:
    return type_.get_queryset(type_._meta.model.objects.filter(pk=pk), info).first()


def _directory(info, agency: str) -> selectors.Directory:
    reads = _reads(info)
    found = selectors.directory(
        principal(info), selectors.agency_for(principal(info), agency), reads.reads
    )
    reads.flush()
    return found


CSV_FILTERS = {
    "agency": graphene.String(),
    "purpose": graphene.List(graphene.String),
    "channel": graphene.List(graphene.String),
    "region": graphene.String(),
    "role": graphene.String(),
    "stale": graphene.Boolean(),
    "q": graphene.String(),
}


class Query(graphene.ObjectType):
    short_codes = graphene.List(
        graphene.NonNull(ShortCodeType), required=True, description="The short-code allow-list."
    )
    office = graphene.Field(OfficeType, id=graphene.Int(required=True))
    offices = HubConnectionField(OfficeType, description="Agencies' offices.")
    post = graphene.Field(PostType, id=graphene.Int(required=True))
    posts = LoggedConnectionField(
        PostType,
        note=_note_post_holder,
        personal=("holder",),
        description='Posts; `role: ["ppid"]` finds every agency\'s PPID.',
    )
    person = graphene.Field(PersonType, id=graphene.Int(required=True))
    persons = LoggedConnectionField(
        PersonType, note=_note_person_row, personal=PERSON_PERSONAL, description="Post holders."
    )
    contact = graphene.Field(ContactPointType, id=graphene.Int(required=True))
    contacts = LoggedConnectionField(
        ContactPointType,
        note=_note_contact_row,
        personal=CONTACT_PERSONAL,
        description="Contacts you may see; `region` includes every region under it.",
    )
    stale_contacts = graphene.List(
        graphene.NonNull(StaleGroup),
        required=True,
        agency=graphene.String(),
        description="Contacts not verified in time, per agency.",
    )
    hotline = graphene.Field(
        Hotline,
        region=graphene.String(required=True),
        description="Nearest public hotline/emergency contact for a kode wilayah.",
    )
    directory = graphene.Field(Directory, agency=graphene.String(required=True))
    contact_vcard = graphene.String(id=graphene.Int(required=True), description="vCard 4.0.")
    contact_jcard = GenericScalar(id=graphene.Int(required=True), description="jCard (RFC 7095).")
    directory_vcard = graphene.String(agency=graphene.String(required=True))
    directory_jcard = GenericScalar(agency=graphene.String(required=True))
    popolo = GenericScalar(description="The whole directory you may see, as Popolo JSON.")
    contacts_csv = graphene.String(
        description="The filtered contacts as CSV (importable).", **CSV_FILTERS
    )

    def resolve_short_codes(self, info):
        return list(policy.visible_to(principal(info), ShortCode.objects.all()).order_by("code"))

    def resolve_office(self, info, id):
        return _one(OfficeType, info, id)

    def resolve_post(self, info, id):
        return _one(PostType, info, id)

    def resolve_person(self, info, id):
        return _one(PersonType, info, id)

    def resolve_contact(self, info, id):
        return _one(ContactPointType, info, id)

    def resolve_stale_contacts(self, info, agency=None):
        groups = selectors.stale_by_agency(principal(info), agency=agency)
        return [
            StaleGroup(agency=g["agency"], count=len(g["contacts"]), contacts=g["contacts"])
            for g in groups
        ]

    def resolve_hotline(self, info, region):
        match = selectors.hotline_lookup(region_code=region)
        return Hotline(
            region=match.region,
            via=match.via,
            level=match.matched_region.kind if match.matched_region else match.via,
            steps=match.steps,
            matched_region=match.matched_region,
            results=[HotlineResult(agency=c.agency, contact=c) for c in match.contacts],
        )

    def resolve_directory(self, info, agency):
        found = _directory(info, agency)
        return Directory(
            agency=found.agency,
            ppid=found.ppid,
            dpo=found.dpo,
            offices=found.offices,
            posts=found.posts,
            contacts=found.contacts,
        )

    def _contact_for_card(self, info, id):
        contact = _one(ContactPointType, info, id)
        if contact is not None:
            _note_contact(info, contact)
        return contact

    def resolve_contact_vcard(self, info, id):
        contact = Query._contact_for_card(self, info, id)
        return to_vcard([exports.contact_card(contact)]) if contact else None

    def resolve_contact_jcard(self, info, id):
        contact = Query._contact_for_card(self, info, id)
        return to_jcard(exports.contact_card(contact)) if contact else None

    def resolve_directory_vcard(self, info, agency):
        return to_vcard(exports.directory_cards(_directory(info, agency)))

    def resolve_directory_jcard(self, info, agency):
        return [to_jcard(card) for card in exports.directory_cards(_directory(info, agency))]

    def resolve_popolo(self, info):
        reads = _reads(info)
        data = exports.popolo(principal(info), reads.reads)
        reads.flush()
        return data

    def resolve_contacts_csv(self, info, **filters):
        filterset = ContactPointFilterSet(
            data={k: v for k, v in filters.items() if v is not None},
            queryset=selectors.contacts_visible(principal(info)),
            request=info.context,
        )
        if not filterset.is_valid():
            raise ValidationFailed(
                errors=[
                    FieldError(name, "invalid_filter", str(msgs[0]), str(msgs[0]))
                    for name, msgs in filterset.errors.items()
                ]
            )
        reads = _reads(info)
        rows = filterset.qs.order_by("id").values(*exports.CSV_VALUES)
        body = exports.contacts_csv(rows, reads.reads)
        reads.flush()
        return body


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------


def _agency(info, slug):
    agency = AgencyType.get_queryset(AgencyType._meta.model.objects.filter(slug=slug or ""), info)
    found = agency.first()
    if found is None:
        raise NotFound()
    return found


def _existing(type_, info, pk):
    found = _one(type_, info, pk)
    if found is None:
        raise NotFound()
    return found


def _input(data) -> dict:
    return {key: (list(value) if isinstance(value, list) else value) for key, value in data.items()}


class OfficeInput(graphene.InputObjectType):
    external_id = graphene.String()
    name = graphene.String()
    address = graphene.String()
    postal_code = graphene.String()
    region = graphene.String(description="Kode wilayah.")
    latitude = graphene.Float()
    longitude = graphene.Float()
    opening_hours = graphene.String(description="e.g. Mo-Fr 08:00-16:00 or 24/7")


class PostInput(graphene.InputObjectType):
    external_id = graphene.String()
    label = graphene.String()
    role = graphene.String(description="head, ppid, humas, pusdalops, call_center, dpo, other")
    office = graphene.Int(description="Office id.")
    holder = graphene.Int(description="Person id.")
    start_date = graphene.Date()
    end_date = graphene.Date()


class PersonInput(graphene.InputObjectType):
    name = graphene.String()
    honorific = graphene.String()
    photo_asset = graphene.String()
    consent = graphene.Boolean(description="true records consent now; false withdraws it.")
    consent_note = graphene.String()


class ContactInput(graphene.InputObjectType):
    external_id = graphene.String()
    office = graphene.Int()
    post = graphene.Int()
    person = graphene.Int()
    channel = graphene.String()
    value = graphene.String()
    purpose = graphene.String()
    label = graphene.String()
    availability = graphene.String()
    languages = graphene.List(graphene.NonNull(graphene.String))
    visibility = graphene.String(description="public, agencies or internal")
    is_personal = graphene.Boolean()
    legal_basis = graphene.String()
    personal_purpose = graphene.String()
    valid_from = graphene.Date()
    valid_through = graphene.Date()
    source_url = graphene.String()
    note = graphene.String()
    last_verified_at = graphene.DateTime()


def _create(name: str, field: str, type_, input_, service, *, agency_help: str, doc=None):
    """`<field>Create(agency, input)`: the service makes the record in the agency."""
    return mutation(
        name,
        doc=doc,
        arguments={
            "agency": graphene.String(required=True, description=agency_help),
            "input": input_(required=True),
        },
        returns={field: graphene.Field(type_)},
        resolve=lambda info, agency, input: {
            field: service(
                principal=principal(info), agency=_agency(info, agency), data=_input(input)
            )
        },
    )


def _update(name: str, field: str, type_, input_, service):
    """`<field>Update(id, input, expectedVersion)`: a stale version answers precondition_failed."""
    return mutation(
        name,
        arguments={
            "id": graphene.Int(required=True),
            "input": input_(required=True),
            "expected_version": graphene.Int(
                description="Fail with precondition_failed if changed."
            ),
        },
        returns={field: graphene.Field(type_)},
        resolve=lambda info, id, input, expected_version=None: {
            field: service(
                principal=principal(info),
                data=_input(input),
                expected_version=expected_version,
                **{field: _existing(type_, info, id)},
            )
        },
    )


def _act(name: str, field: str, type_, service, *, returns_record: bool, doc=None):
    """`<name>(id)`: the service acts on the record; answers it or `ok`."""

    def resolve(info, id):
        result = service(principal=principal(info), **{field: _existing(type_, info, id)})
        return {field: result} if returns_record else {"ok": True}

    returns = (
        {field: graphene.Field(type_)}
        if returns_record
        else {"ok": graphene.Boolean(required=True)}
    )
    return mutation(
        name,
        doc=doc,
        arguments={"id": graphene.Int(required=True)},
        returns=returns,
        resolve=resolve,
    )


OWNER = "Owning agency's slug."
OfficeCreate = _create(
    "OfficeCreate", "office", OfficeType, OfficeInput, office_create, agency_help=OWNER
)
OfficeUpdate = _update("OfficeUpdate", "office", OfficeType, OfficeInput, office_update)
OfficeDelete = _act("OfficeDelete", "office", OfficeType, office_delete, returns_record=False)
PostCreate = _create("PostCreate", "post", PostType, PostInput, post_create, agency_help=OWNER)
PostUpdate = _update("PostUpdate", "post", PostType, PostInput, post_update)
PostDelete = _act("PostDelete", "post", PostType, post_delete, returns_record=False)
PersonCreate = _create(
    "PersonCreate",
    "person",
    PersonType,
    PersonInput,
    person_create,
    agency_help="The person's agency (slug).",
)
PersonUpdate = _update("PersonUpdate", "person", PersonType, PersonInput, person_update)
PersonErase = _act(
    "PersonErase",
    "person",
    PersonType,
    person_erase,
    returns_record=False,
    doc="Erase a person's personal data (UU PDP); their posts and official contacts stay.",
)
ContactCreate = _create(
    "ContactCreate",
    "contact",
    ContactPointType,
    ContactInput,
    contact_create,
    agency_help=OWNER,
    doc="Create a contact; `contact.warnings` lists non-blocking remarks.",
)
ContactUpdate = _update("ContactUpdate", "contact", ContactPointType, ContactInput, contact_update)
ContactDelete = _act(
    "ContactDelete", "contact", ContactPointType, contact_delete, returns_record=False
)
ContactVerify = _act(
    "ContactVerify",
    "contact",
    ContactPointType,
    contact_verify,
    returns_record=True,
    doc="Record that you checked the contact and it works (who and when).",
)


class ContactsImport(graphene.Mutation):
    """Import contacts from a CSV or XLSX file (base64), upserting by external_id."""

    class Arguments:
        agency = graphene.String(required=True)
        content = graphene.String(required=True, description="The file, base64-encoded.")
        content_type = graphene.String(description="text/csv or the XLSX media type.")
        dry_run = graphene.Boolean(description="Report only; write nothing.")

    report = graphene.Field(ImportReport)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, agency, content, content_type="", dry_run=False):
        target = _agency(info, agency)
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                errors=[FieldError("content", "invalid_base64", "Bukan base64.", "Not base64.")]
            ) from None
        rows = rows_for_agency(read_table(raw, content_type=content_type or ""), target)
        report = contacts_import(
            principal=principal(info), agency=target, rows=rows, dry_run=bool(dry_run)
        )
        data = report.as_dict(language(info.context))
        return cls(
            report=ImportReport(
                dry_run=data["dry_run"],
                rows=data["rows"],
                created=data["created"],
                updated=data["updated"],
                unchanged=data["unchanged"],
                errors=[ImportProblem(**item) for item in data["errors"]],
                warnings=[ImportProblem(**item) for item in data["warnings"]],
            ),
            errors=[],
        )


class ShortCodeCreate(graphene.Mutation):
    class Arguments:
        code = graphene.String(required=True)
        description = graphene.String(required=True)

    short_code = graphene.Field(ShortCodeType)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, code, description):
        row = shortcode_create(principal=principal(info), code=code, description=description)
        return cls(short_code=row, errors=[])


class ShortCodeDelete(graphene.Mutation):
    class Arguments:
        code = graphene.String(required=True)

    ok = graphene.Boolean(required=True)
    errors = ERRORS

    @classmethod
    @hub_mutation
    def mutate(cls, root, info, code):
        row = ShortCode.objects.filter(code=code).first()
        if row is None:
            raise NotFound()
        shortcode_delete(principal=principal(info), short_code=row)
        return cls(ok=True, errors=[])


class Mutation(graphene.ObjectType):
    office_create = OfficeCreate.Field()
    office_update = OfficeUpdate.Field()
    office_delete = OfficeDelete.Field()
    post_create = PostCreate.Field()
    post_update = PostUpdate.Field()
    post_delete = PostDelete.Field()
    person_create = PersonCreate.Field()
    person_update = PersonUpdate.Field()
    person_erase = PersonErase.Field(description="Erase the person's personal data (UU PDP).")
    contact_create = ContactCreate.Field()
    contact_update = ContactUpdate.Field()
    contact_delete = ContactDelete.Field()
    contact_verify = ContactVerify.Field()
    contacts_import = ContactsImport.Field()
    short_code_create = ShortCodeCreate.Field()
    short_code_delete = ShortCodeDelete.Field()


__all__ = ["Mutation", "Query"]
