"""Write services of the contact directory.

Each service is keyword-only, checks the policy, validates everything before
writing, and stores the change, its audit entry and its change event in one
transaction. Audit entries and change events never carry personal data (names,
personal numbers): the audit log is append-only and must stay erasable-safe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import policy
from agencies.contacts.cleaning import (
    WARNINGS,
    clean_contact,
    clean_office,
    clean_person,
    clean_post,
    error,
)
from agencies.contacts.models import ContactPoint, Office, Person, Post, ShortCode
from agencies.models import Agency
from agencies.policy import Principal
from hub.audit import audit_record
from hub.changes import change_record
from hub.errors import Conflict, FieldError, ValidationFailed, check_version

# Which unique constraint a failed write ran into → the error the caller sees.
CONFLICTS = {
    "office_unique_external_id": ("external_id", "external_id_taken"),
    "post_unique_external_id": ("external_id", "external_id_taken"),
    "contact_unique_external_id": ("external_id", "external_id_taken"),
    "contact_unique_value": ("value", "contact_exists"),
}
CONFLICT_MESSAGES = {
    "external_id_taken": (
        "ID eksternal sudah dipakai di instansi ini.",
        "This external id is already used in this agency.",
    ),
    "contact_exists": (
        "Kontak yang sama sudah tercatat.",
        "The same contact is already recorded.",
    ),
}


# ---------------------------------------------------------------------------
# Snapshots: what audit entries and change events record
# ---------------------------------------------------------------------------


def office_snapshot(office: Office) -> dict[str, Any]:
    return {
        "id": office.pk,
        "agency": office.agency_id,
        "external_id": office.external_id,
        "name": office.name,
        "address": office.address,
        "postal_code": office.postal_code,
        "region": office.region_id,
        "latitude": str(office.latitude) if office.latitude is not None else None,
        "longitude": str(office.longitude) if office.longitude is not None else None,
        "opening_hours": office.opening_hours,
        "version": office.version,
    }


def post_snapshot(post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "agency": post.agency_id,
        "external_id": post.external_id,
        "label": post.label,
        "role": post.role,
        "office": post.office_id,
        "holder": post.holder_id,
        "start_date": post.start_date,
        "end_date": post.end_date,
        "version": post.version,
    }


def person_snapshot(person: Person) -> dict[str, Any]:
    """A person as the audit log and change feed see them: no name, no photo."""
    return {
        "id": person.pk,
        "agency": person.agency_id,
        "consent": person.consent_at is not None,
        "has_photo": bool(person.photo_asset),
        "version": person.version,
    }


def contact_snapshot(contact: ContactPoint) -> dict[str, Any]:
    """A contact for the audit log; a personal contact's value is left out."""
    personal = contact.is_personal
    return {
        "id": contact.pk,
        "agency": contact.agency_id,
        "office": contact.office_id,
        "post": contact.post_id,
        "person": contact.person_id,
        "external_id": contact.external_id,
        "channel": contact.channel,
        "value": None if personal else contact.value,
        "normalized": None if personal else contact.normalized,
        "purpose": contact.purpose,
        "label": contact.label,
        "availability": contact.availability,
        "languages": list(contact.languages),
        "visibility": contact.visibility,
        "is_personal": personal,
        "legal_basis": contact.legal_basis,
        "valid_from": contact.valid_from,
        "valid_through": contact.valid_through,
        "last_verified_at": contact.last_verified_at,
        "last_verified_by": contact.last_verified_by,
        "source_url": contact.source_url,
        "version": contact.version,
    }


def contact_feed_data(contact: ContactPoint) -> dict[str, Any]:
    """The change-feed summary: full for public contacts, only the id for the rest."""
    if contact.visibility == ContactPoint.Visibility.PUBLIC and not contact.is_personal:
        return contact_snapshot(contact)
    return {"id": contact.pk, "agency": contact.agency_id, "restricted": True}


# The audit and change-feed name of each kind of record.
_ENTITIES = {Office: "office", Post: "post", Person: "person", ContactPoint: "contact_point"}


def _record(
    principal: Principal,
    action: str,
    obj: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
) -> None:
    """The audit entry and change event of one write, in the caller's transaction.

    `action` is ``<noun>.<verb>``. Without `before` the change is ``created``,
    without `after` ``deleted`` (its data only the id), else ``updated``; its data
    is `after` unless given.
    """
    entity = _ENTITIES[type(obj)]
    pk = after["id"] if after else before["id"]
    if after is None:
        change, data = "deleted", {"id": pk, "deleted": True}
    else:
        change = "created" if before is None else "updated"
        data = after if data is None else data
    audit_record(
        action=action, entity=entity, entity_id=pk, before=before, after=after, principal=principal
    )
    change_record(
        entity=entity,
        entity_id=pk,
        action=change,
        version=getattr(obj, "version", 1),
        agency_id=obj.agency_id,
        # Dates become ISO strings, as in the audit log.
        data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    )


def _save(obj: Any) -> None:
    """Save `obj`; a unique-constraint clash answers Conflict naming the field."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise _conflict(exc) from None


def _conflict(exc: IntegrityError) -> Conflict:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    field_name, code = CONFLICTS.get(constraint, ("", "conflict"))
    if code == "conflict":
        return Conflict()
    message_id, message_en = CONFLICT_MESSAGES[code]
    return Conflict(code=code, errors=[error(field_name, code, message_id, message_en)])


def _writable_agency(agency: Agency) -> None:
    if not agency.is_active:
        raise ValidationFailed(
            errors=[
                error("agency", "agency_suspended", "Instansi ditangguhkan.", "Agency suspended.")
            ]
        )


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    """Set `values` on `instance`; True when anything actually changed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


# ---------------------------------------------------------------------------
# Short codes (platform admins)
# ---------------------------------------------------------------------------


def short_codes() -> list[str]:
    """The current allow-list of short codes."""
    return list(ShortCode.objects.values_list("code", flat=True))


def shortcode_errors(code: Any, description: Any) -> list[FieldError]:
    """What is wrong with a short code entry (empty when it may be added)."""
    errors = []
    code = str(code or "").strip()
    if not code.isdigit() or not 3 <= len(code) <= 5 or code.startswith("0"):
        errors.append(
            error(
                "code",
                "invalid_short_code",
                "Nomor singkat 3–5 angka, tidak diawali 0.",
                "A short code has 3-5 digits and does not start with 0.",
            )
        )
    description = str(description or "").strip()
    if not description or len(description) > 200:
        errors.append(error("description", "required", "Wajib diisi.", "Required."))
    return errors


@transaction.atomic
def shortcode_create(*, principal: Principal, code: str, description: str) -> ShortCode:
    """Add a short code to the allow-list (platform admins only). Audited."""
    policy.check_create(principal, ShortCode, None)
    errors = shortcode_errors(code, description)
    if errors:
        raise ValidationFailed(errors=errors)
    code, description = str(code).strip(), str(description).strip()
    try:
        with transaction.atomic():
            row = ShortCode.objects.create(code=code, description=description)
    except IntegrityError:
        raise Conflict(code="short_code_exists") from None
    audit_record(
        action="shortcode.create",
        entity="short_code",
        entity_id=row.pk,
        after={"code": code, "description": description},
        principal=principal,
    )
    return row


@transaction.atomic
def shortcode_delete(*, principal: Principal, short_code: ShortCode) -> None:
    """Remove a short code from the allow-list. Contacts already stored keep their number."""
    policy.check(principal, policy.DELETE, short_code)
    before = {"code": short_code.code, "description": short_code.description}
    pk = short_code.pk
    short_code.delete()
    audit_record(
        action="shortcode.delete",
        entity="short_code",
        entity_id=pk,
        before=before,
        principal=principal,
    )


# ---------------------------------------------------------------------------
# Offices
# ---------------------------------------------------------------------------


@transaction.atomic
def office_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Office:
    """Create an office of `agency`. Audited; emits ``office created``."""
    policy.check_create(principal, Office, agency.pk)
    _writable_agency(agency)
    values, errors = clean_office(data, agency, None)
    if errors:
        raise ValidationFailed(errors=errors)
    office = Office(agency=agency, **values)
    _save(office)
    after = office_snapshot(office)
    _record(principal, "office.create", office, after=after)
    return office


@transaction.atomic
def office_update(
    *,
    principal: Principal,
    office: Office,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Office:
    """Change an office. With `expected_version`, a concurrent change answers 412."""
    policy.check(principal, policy.CHANGE, office)
    office = Office.objects.select_for_update().select_related("agency").get(pk=office.pk)
    check_version(office.version, expected_version)
    before = office_snapshot(office)
    values, errors = clean_office(data, office.agency, office)
    if errors:
        raise ValidationFailed(errors=errors)
    if _apply(office, values):
        office.version += 1
        _save(office)
        after = office_snapshot(office)
        _record(principal, "office.update", office, before=before, after=after)
    return office


@transaction.atomic
def office_delete(*, principal: Principal, office: Office) -> None:
    """Delete an office that no post or contact uses any more (else 409 office_in_use)."""
    policy.check(principal, policy.DELETE, office)
    office = Office.objects.select_for_update().get(pk=office.pk)
    if office.contact_points.exists() or office.posts.exists():
        raise Conflict(
            "Kantor masih dipakai oleh kontak atau jabatan.",
            "The office still has contacts or posts.",
            code="office_in_use",
        )
    before = office_snapshot(office)
    office.delete()
    office.pk = before["id"]
    _record(principal, "office.delete", office, before=before)


# ---------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------


@transaction.atomic
def person_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Person:
    """Record a person of `agency` (name, honorific, photo, consent). No national IDs."""
    policy.check_create(principal, Person, agency.pk)
    _writable_agency(agency)
    values, errors = clean_person(data, None, principal.label)
    if errors:
        raise ValidationFailed(errors=errors)
    person = Person.objects.create(agency=agency, **values)
    after = person_snapshot(person)
    _record(principal, "person.create", person, after=after)
    return person


@transaction.atomic
def person_update(
    *,
    principal: Principal,
    person: Person,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Person:
    """Change a person's data or record/withdraw their consent (who and when are kept)."""
    policy.check(principal, policy.CHANGE, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    check_version(person.version, expected_version)
    before = person_snapshot(person)
    values, errors = clean_person(data, person, principal.label)
    if errors:
        raise ValidationFailed(errors=errors)
    if values.get("consent_at", person.consent_at) is None:
        _refuse_public_personal(person)
    if _apply(person, values):
        person.version += 1
        person.save()
        after = person_snapshot(person)
        _record(principal, "person.update", person, before=before, after=after)
    return person


def _refuse_public_personal(person: Person) -> None:
    """Consent cannot be withdrawn while one of the person's numbers is public."""
    if person.contact_points.filter(visibility=ContactPoint.Visibility.PUBLIC).exists():
        raise Conflict(
            "Ubah dulu visibilitas nomor pribadi yang publik.",
            "First make the person's public personal numbers non-public.",
            code="consent_in_use",
        )


@transaction.atomic
def person_erase(*, principal: Principal, person: Person) -> dict[str, Any]:
    """Erase a person's personal data (UU PDP Pasal 43): the person and their personal numbers.

    Posts they held stay (without holder), and so do all non-personal contacts.
    Returns what was erased (ids only). Audited as ``pdp.erase``.
    """
    policy.check(principal, policy.DELETE, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    personal = list(person.contact_points.all())
    posts = list(Post.objects.select_for_update().filter(holder=person))
    summary = {
        "person": person.pk,
        "agency": person.agency_id,
        "contacts": [contact.pk for contact in personal],
        "posts": [post.pk for post in posts],
    }
    for post in posts:
        before = post_snapshot(post)
        post.holder = None
        post.version += 1
        post.save(update_fields=["holder", "version", "updated_at"])
        after = post_snapshot(post)
        _record(principal, "post.update", post, before=before, after=after)
    for contact in personal:
        before = contact_snapshot(contact)
        contact.delete()
        contact.pk = before["id"]
        _record(principal, "contact.delete", contact, before=before)
    before = person_snapshot(person)
    person.delete()
    person.pk = before["id"]
    audit_record(
        action="pdp.erase",
        entity="person",
        entity_id=before["id"],
        after=summary,
        principal=principal,
    )
    change_record(
        entity="person",
        entity_id=before["id"],
        action="deleted",
        version=before["version"],
        agency_id=before["agency"],
        data={"id": before["id"], "deleted": True},
    )
    return summary


# ---------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------


@transaction.atomic
def post_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> Post:
    """Create a post (jabatan) of `agency`. Audited; emits ``post created``."""
    policy.check_create(principal, Post, agency.pk)
    _writable_agency(agency)
    values, errors = clean_post(data, agency, None)
    if errors:
        raise ValidationFailed(errors=errors)
    post = Post(agency=agency, **values)
    _save(post)
    after = post_snapshot(post)
    _record(principal, "post.create", post, after=after)
    return post


@transaction.atomic
def post_update(
    *,
    principal: Principal,
    post: Post,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Post:
    """Change a post, e.g. hand it to a new holder. Its official contacts stay with it."""
    policy.check(principal, policy.CHANGE, post)
    post = Post.objects.select_for_update().select_related("agency").get(pk=post.pk)
    check_version(post.version, expected_version)
    before = post_snapshot(post)
    values, errors = clean_post(data, post.agency, post)
    if errors:
        raise ValidationFailed(errors=errors)
    if _apply(post, values):
        post.version += 1
        _save(post)
        after = post_snapshot(post)
        _record(principal, "post.update", post, before=before, after=after)
    return post


@transaction.atomic
def post_delete(*, principal: Principal, post: Post) -> None:
    """Delete a post that has no contacts left (else 409 post_in_use)."""
    policy.check(principal, policy.DELETE, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.contact_points.exists():
        raise Conflict(
            "Jabatan masih memiliki kontak.", "The post still has contacts.", code="post_in_use"
        )
    before = post_snapshot(post)
    post.delete()
    post.pk = before["id"]
    _record(principal, "post.delete", post, before=before)


# ---------------------------------------------------------------------------
# Contact points
# ---------------------------------------------------------------------------


def _write_contact(
    *,
    principal: Principal,
    agency: Agency,
    contact: ContactPoint | None,
    values: dict[str, Any],
) -> tuple[ContactPoint, bool]:
    """Create or change one contact from cleaned values; (contact, whether anything changed).

    A new contact, or a new value, counts as verified now by the writer unless
    the input says when it was last verified.
    """
    now = timezone.now()
    if contact is None:
        contact = ContactPoint(agency=agency, **values)
        if "last_verified_at" not in values:
            contact.last_verified_at = now
        contact.last_verified_by = principal.label
        _save(contact)
        after = contact_snapshot(contact)
        _record(principal, "contact.create", contact, after=after, data=contact_feed_data(contact))
        return contact, True
    before = contact_snapshot(contact)
    old_value = (contact.channel, contact.normalized)
    if not _apply(contact, values):
        return contact, False
    if "last_verified_at" in values:
        contact.last_verified_by = principal.label
    elif (contact.channel, contact.normalized) != old_value:
        contact.last_verified_at, contact.last_verified_by = now, principal.label
    contact.version += 1
    _save(contact)
    after = contact_snapshot(contact)
    _record(
        principal,
        "contact.update",
        contact,
        before=before,
        after=after,
        data=contact_feed_data(contact),
    )
    return contact, True


@transaction.atomic
def contact_create(*, principal: Principal, agency: Agency, data: dict[str, Any]) -> ContactPoint:
    """Create a contact of `agency` (or of one of its offices or posts).

    The value is validated and normalised through ``agencies.contact_values``;
    warnings (e.g. an e-mail outside the agency's official domains) do not
    block the write and are kept on ``contact.warnings``.
    """
    policy.check_create(principal, ContactPoint, agency.pk)
    _writable_agency(agency)
    values, errors = clean_contact(data, agency, None, short_codes=short_codes())
    if errors:
        raise ValidationFailed(errors=errors)
    contact, _ = _write_contact(principal=principal, agency=agency, contact=None, values=values)
    return contact


@transaction.atomic
def contact_update(
    *,
    principal: Principal,
    contact: ContactPoint,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> ContactPoint:
    """Change a contact; an unchanged input writes nothing (no audit entry, no event)."""
    policy.check(principal, policy.CHANGE, contact)
    contact = (
        ContactPoint.objects.select_for_update(of=("self",))
        .select_related("agency", "post__holder", "person")
        .get(pk=contact.pk)
    )
    check_version(contact.version, expected_version)
    values, errors = clean_contact(data, contact.agency, contact, short_codes=short_codes())
    if errors:
        raise ValidationFailed(errors=errors)
    contact, _ = _write_contact(
        principal=principal, agency=contact.agency, contact=contact, values=values
    )
    return contact


@transaction.atomic
def contact_delete(*, principal: Principal, contact: ContactPoint) -> None:
    """Delete a contact. Audited; emits a ``deleted`` tombstone."""
    policy.check(principal, policy.DELETE, contact)
    contact = ContactPoint.objects.select_for_update().get(pk=contact.pk)
    before = contact_snapshot(contact)
    contact.delete()
    contact.pk = before["id"]
    _record(principal, "contact.delete", contact, before=before)


@transaction.atomic
def contact_verify(*, principal: Principal, contact: ContactPoint) -> ContactPoint:
    """Record that `principal` confirmed, now, that the contact works. Makes it fresh."""
    policy.check(principal, policy.CHANGE, contact)
    contact = ContactPoint.objects.select_for_update().get(pk=contact.pk)
    before = contact_snapshot(contact)
    contact.last_verified_at = timezone.now()
    contact.last_verified_by = principal.label
    contact.version += 1
    contact.save(update_fields=["last_verified_at", "last_verified_by", "version", "updated_at"])
    _record(
        principal,
        "contact.verify",
        contact,
        before=before,
        after=contact_snapshot(contact),
        data=contact_feed_data(contact),
    )
    return contact


# ---------------------------------------------------------------------------
# Bulk import
# ---------------------------------------------------------------------------


@dataclass
class RowProblem:
    """One problem with one row of an import file (rows numbered as in the spreadsheet)."""

    row: int
    field: str
    code: str
    message_id: str
    message_en: str

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "message": self.message_en if lang == "en" else self.message_id,
        }


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "errors": [item.as_dict(lang) for item in self.errors],
            "warnings": [item.as_dict(lang) for item in self.warnings],
        }


@transaction.atomic
def contacts_import(
    *,
    principal: Principal,
    agency: Agency,
    rows: list[tuple[int, dict[str, Any]]],
    dry_run: bool,
) -> ImportReport:
    """Upsert contacts of `agency` keyed by their ``external_id``.

    `rows` are (row number, input) pairs as :mod:`agencies.contacts.imports`
    reads them. Every row is validated first. A dry run reports what would be
    created, updated or left unchanged and each row's errors, and writes
    nothing. A real run with any error raises ValidationFailed naming every bad
    row and writes nothing; otherwise it creates and updates rows through the
    same path as :func:`contact_create`, so a row equal to what is stored writes
    nothing at all: importing the same file twice changes nothing the second time.
    """
    policy.check_create(principal, ContactPoint, agency.pk)
    if not policy.may(principal, policy.CHANGE, ContactPoint, agency.pk):
        raise policy.PermissionDenied()
    _writable_agency(agency)
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    codes = short_codes()
    refs = {
        Office: {office.pk: office for office in Office.objects.filter(agency=agency)},
        Post: {
            post.pk: post for post in Post.objects.filter(agency=agency).select_related("holder")
        },
        Person: {person.pk: person for person in Person.objects.filter(agency=agency)},
    }
    existing = {
        contact.external_id: contact
        for contact in ContactPoint.objects.select_for_update(of=("self",))
        .filter(agency=agency)
        .exclude(external_id="")
        .select_related("office", "post__holder", "person")
    }
    taken = {
        _value_key(values): external_id
        for external_id, values in (
            (
                row["external_id"],
                {
                    "office": row["office_id"],
                    "post": row["post_id"],
                    "person": row["person_id"],
                    "channel": row["channel"],
                    "normalized": row["normalized"],
                },
            )
            for row in ContactPoint.objects.filter(agency=agency).values(
                "external_id", "office_id", "post_id", "person_id", "channel", "normalized"
            )
        )
    }
    seen: dict[str, int] = {}
    planned: list[tuple[int, ContactPoint | None, dict[str, Any]]] = []
    for number, data in rows:
        external_id = str(data.get("external_id") or "").strip()
        if not external_id:
            report.errors.append(
                RowProblem(
                    number,
                    "external_id",
                    "required",
                    "Setiap baris impor memerlukan external_id.",
                    "Every imported row needs an external_id.",
                )
            )
            continue
        if external_id in seen:
            report.errors.append(
                RowProblem(
                    number,
                    "external_id",
                    "duplicate_external_id",
                    f"external_id sama dengan baris {seen[external_id]}.",
                    f"Same external_id as row {seen[external_id]}.",
                )
            )
            continue
        seen[external_id] = number
        contact = existing.get(external_id)
        values, errors = clean_contact(data, agency, contact, short_codes=codes, refs=refs)
        if not errors:
            key = _value_key(_merged(contact, values))
            holder = taken.get(key)
            if holder is not None and holder != external_id:
                errors = [
                    error(
                        "value",
                        "contact_exists",
                        f"Kontak yang sama sudah tercatat (external_id {holder or '-'}).",
                        f"The same contact is already recorded (external_id {holder or '-'}).",
                    )
                ]
            else:
                taken[key] = external_id
        for item in errors:
            report.errors.append(
                RowProblem(number, item.field, item.code, item.message_id, item.message_en)
            )
        if errors:
            continue
        for code in values.get("warnings", []):
            report.warnings.append(RowProblem(number, "value", code, *WARNINGS[code]))
        planned.append((number, contact, values))

    for _number, contact, values in planned:
        external_id = values.get("external_id") or contact.external_id
        if contact is None:
            report.created.append(external_id)
        elif _would_change(contact, values):
            report.updated.append(external_id)
        else:
            report.unchanged.append(external_id)
    if dry_run:
        return report
    if report.errors:
        raise ValidationFailed(
            errors=[
                FieldError(
                    f"rows.{item.row}.{item.field}", item.code, item.message_id, item.message_en
                )
                for item in report.errors
            ]
        )
    for _number, contact, values in planned:
        _write_contact(principal=principal, agency=agency, contact=contact, values=values)
    return report


def _value_key(values: dict[str, Any]) -> tuple:
    def pk(value):
        return value.pk if hasattr(value, "pk") else value

    return (
        pk(values.get("office")),
        pk(values.get("post")),
        pk(values.get("person")),
        values.get("channel"),
        values.get("normalized"),
    )


def _merged(contact: ContactPoint | None, values: dict[str, Any]) -> dict[str, Any]:
    names = ("office", "post", "person", "channel", "normalized")
    base = {name: getattr(contact, name) for name in names} if contact else {}
    return {**base, **values}


def _would_change(contact: ContactPoint, values: dict[str, Any]) -> bool:
    return any(getattr(contact, name) != value for name, value in values.items())


# ---------------------------------------------------------------------------
# Personal data (UU PDP): export to the data subject
# ---------------------------------------------------------------------------


def pdp_export(*, principal: Principal, person: Person) -> dict[str, Any]:
    """Everything the hub holds about `person`, and who read it. Audited as ``pdp.export``."""
    from hub.models import AuditEntry

    policy.check(principal, policy.CHANGE, person)
    contacts = [
        {
            "id": contact.pk,
            "channel": contact.channel,
            "value": contact.value,
            "normalized": contact.normalized,
            "purpose": contact.purpose,
            "label": contact.label,
            "visibility": contact.visibility,
            "legal_basis": contact.legal_basis,
            "personal_purpose": contact.personal_purpose,
            "post": contact.post_id,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
        }
        for contact in person.contact_points.order_by("id")
    ]
    posts = [
        {
            "id": post.pk,
            "label": post.label,
            "role": post.role,
            "agency": post.agency.slug,
            "start_date": post.start_date,
            "end_date": post.end_date,
        }
        for post in person.posts.select_related("agency").order_by("id")
    ]
    reads = [
        {
            "at": entry.at,
            "actor": entry.actor,
            "client": (entry.after or {}).get("client"),
            "via": (entry.after or {}).get("via"),
            "request_id": entry.request_id,
            "ip": entry.ip,
        }
        for entry in AuditEntry.objects.filter(
            action="pdp.read", after__persons__contains=[person.pk]
        ).order_by("id")
    ]
    audit_record(
        action="pdp.export",
        entity="person",
        entity_id=person.pk,
        after={"contacts": [c["id"] for c in contacts], "reads": len(reads)},
        principal=principal,
    )
    return {
        "person": {
            "id": person.pk,
            "agency": person.agency.slug,
            "name": person.name,
            "honorific": person.honorific,
            "photo_asset": person.photo_asset or None,
            "consent_at": person.consent_at,
            "consent_note": person.consent_note,
            "consent_recorded_by": person.consent_recorded_by,
            "created_at": person.created_at,
            "updated_at": person.updated_at,
        },
        "posts": posts,
        "personal_contacts": contacts,
        "reads": reads,
        "exported_at": timezone.now(),
    }
