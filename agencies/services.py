"""Write services of the agencies app: agencies, memberships, API keys and API clients.

Each service is keyword-only, checks the policy, validates everything before
writing, and writes the change, its audit entry and its change event in one
transaction: either all of it is stored or none of it. With Keycloak configured,
the same transaction queues the provisioning job that mirrors the change in
Keycloak (``agencies.tasks``); it runs after the commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies import policy
from agencies.identity import keycloak_enabled
from agencies.identity.sealing import seal
from agencies.models import Agency, ApiClient, ApiKey, Membership, Region
from agencies.policy import Principal
from agencies.tasks import agency_schedule, client_schedule, membership_schedule
from hub.audit import audit_record
from hub.changes import change_record
from hub.dates import INVALID_DATETIME, YEARS
from hub.errors import Conflict, FieldError, NotFound, ValidationFailed, check_version

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$")
# Domains no agency owns: Indonesia's registry suffixes (go.id is every ministry's) and
# public mail services. As an official domain they would hide the warning for any address.
SHARED_DOMAINS = frozenset(
    {
        "go.id", "desa.id", "mil.id", "ac.id", "sch.id", "co.id", "or.id", "net.id",
        "web.id", "my.id", "biz.id", "ponpes.id",
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.id", "ymail.com",
        "outlook.com", "hotmail.com", "live.com", "icloud.com", "proton.me",
        "protonmail.com", "aol.com", "mail.com", "gmx.com",
    }
)  # fmt: skip

# The region a regional agency must point at: level and allowed kinds.
REGION_RULES: dict[str, tuple[int, set[str]]] = {
    Agency.Type.PEMPROV: (1, {Region.Kind.PROVINSI}),
    Agency.Type.PEMKAB: (2, {Region.Kind.KABUPATEN}),
    Agency.Type.PEMKOT: (2, {Region.Kind.KOTA}),
    Agency.Type.KECAMATAN: (3, {Region.Kind.KECAMATAN}),
    Agency.Type.DESA: (4, {Region.Kind.DESA, Region.Kind.DESA_ADAT}),
    Agency.Type.KELURAHAN: (4, {Region.Kind.KELURAHAN}),
}
PERANGKAT_DAERAH_KINDS = {Region.Kind.PROVINSI, Region.Kind.KABUPATEN, Region.Kind.KOTA}

AGENCY_FIELDS = {
    "name",
    "acronym",
    "slug",
    "type",
    "parent",
    "region",
    "official_domains",
    "website",
    "status",
    "identifiers",
}
# What an agency admin may change on their own agency; the rest is the platform's.
AGENCY_SELF_SERVICE_FIELDS = {"name", "acronym", "official_domains", "website", "identifiers"}


def is_government_domain(domain: str) -> bool:
    """True for Indonesian government domains (``*.go.id``)."""
    return domain == "go.id" or domain.endswith(".go.id")


def agency_snapshot(agency: Agency) -> dict[str, Any]:
    """The agency's fields as recorded in audit entries and change events."""
    return {
        "id": agency.pk,
        "slug": agency.slug,
        "name": agency.name,
        "acronym": agency.acronym,
        "type": agency.type,
        "parent": agency.parent.slug if agency.parent_id else None,
        "region": agency.region_id,
        "official_domains": list(agency.official_domains),
        "website": agency.website,
        "status": agency.status,
        "identifiers": agency.identifiers,
        "version": agency.version,
    }


def _error(field: str, code: str, message_id: str, message_en: str) -> FieldError:
    return FieldError(field, code, message_id, message_en)


def _clean_agency(data: dict[str, Any], instance: Agency | None) -> dict[str, Any]:
    """Validate agency input against the current state; return model-ready values."""
    errors: list[FieldError] = []
    unknown = set(data) - AGENCY_FIELDS
    for name in sorted(unknown):
        errors.append(_error(name, "unknown_field", "Kolom tidak dikenal.", "Unknown field."))
    values: dict[str, Any] = {}

    def current(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(instance, name, default) if instance else default

    for name, limit in (("name", 200), ("acronym", 40)):
        if name in data or instance is None:
            raw = data.get(name, "")
            if not isinstance(raw, str) or (name == "name" and not raw.strip()):
                errors.append(_error(name, "required", "Wajib diisi.", "This field is required."))
            elif len(raw) > limit:
                errors.append(_error(name, "too_long", "Terlalu panjang.", "Too long."))
            else:
                values[name] = raw.strip()

    if "slug" in data or instance is None:
        raw = data.get("slug") or slugify(str(data.get("name", "")))[:80]
        if isinstance(raw, str) and len(raw) > 80:
            errors.append(_error("slug", "too_long", "Terlalu panjang.", "Too long."))
        elif not isinstance(raw, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", raw or ""):
            errors.append(
                _error(
                    "slug",
                    "invalid_slug",
                    "Slug hanya boleh huruf kecil, angka dan tanda hubung.",
                    "A slug may only contain lower-case letters, digits and hyphens.",
                )
            )
        else:
            values["slug"] = raw

    agency_type = current("type")
    if "type" in data or instance is None:
        if agency_type not in Agency.Type.values:
            errors.append(
                _error("type", "invalid_choice", "Jenis instansi tidak dikenal.", "Unknown type.")
            )
            agency_type = None
        else:
            values["type"] = agency_type

    if "status" in data:
        if data["status"] not in Agency.Status.values:
            errors.append(
                _error("status", "invalid_choice", "Status tidak dikenal.", "Unknown status.")
            )
        else:
            values["status"] = data["status"]

    if "parent" in data:
        parent_slug = data["parent"]
        parent = None
        if parent_slug not in (None, ""):
            parent = Agency.objects.filter(slug=str(parent_slug)).first()
            if parent is None:
                errors.append(
                    _error(
                        "parent", "unknown_agency", "Instansi induk tidak ada.", "No such agency."
                    )
                )
            elif instance is not None and _is_descendant_or_self(parent, instance):
                errors.append(
                    _error(
                        "parent",
                        "parent_cycle",
                        "Instansi tidak boleh menjadi induk dirinya sendiri.",
                        "An agency cannot be its own ancestor.",
                    )
                )
        values["parent"] = parent

    region = current("region")
    if "region" in data:
        code = data["region"]
        region = None
        if code not in (None, ""):
            region = Region.objects.filter(code=str(code)).first()
            if region is None:
                errors.append(
                    _error(
                        "region",
                        "unknown_region",
                        "Kode wilayah tidak dikenal.",
                        f"Unknown region code {code!r}.",
                    )
                )
        values["region"] = region
    if agency_type and not any(e.field == "region" for e in errors):
        errors.extend(_region_errors(agency_type, region))

    if "official_domains" in data:
        domains = data["official_domains"]
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            errors.append(
                _error(
                    "official_domains",
                    "invalid_type",
                    "Harus berupa daftar nama domain.",
                    "Must be a list of domain names.",
                )
            )
        else:
            cleaned = []
            for domain in domains:
                normal = domain.strip().lower().rstrip(".")
                if not DOMAIN_RE.match(normal):
                    errors.append(
                        _error(
                            "official_domains",
                            "invalid_domain",
                            f"Nama domain tidak valid: {domain!r}.",
                            f"Not a valid domain name: {domain!r}.",
                        )
                    )
                elif normal in SHARED_DOMAINS:
                    errors.append(
                        _error(
                            "official_domains",
                            "shared_domain",
                            f"{normal} bukan milik satu instansi; sebut domain instansi "
                            "(mis. bnpb.go.id).",
                            f"{normal} belongs to no single agency; name the agency's own "
                            "(e.g. bnpb.go.id).",
                        )
                    )
                elif normal not in cleaned:
                    cleaned.append(normal)
            values["official_domains"] = cleaned

    if "website" in data:
        website = data["website"] or ""
        if website and not re.match(r"^https?://[^\s/$.?#][^\s]*$", str(website)):
            errors.append(
                _error("website", "invalid_url", "Alamat situs tidak valid.", "Not a valid URL.")
            )
        else:
            values["website"] = website

    if "identifiers" in data:
        identifiers = data["identifiers"]
        ok = isinstance(identifiers, list) and all(
            isinstance(item, dict)
            and set(item) == {"scheme", "value"}
            and all(isinstance(v, str) and v.strip() for v in item.values())
            for item in identifiers
        )
        if not ok:
            errors.append(
                _error(
                    "identifiers",
                    "invalid_identifiers",
                    'Harus berupa daftar {"scheme", "value"}.',
                    'Must be a list of {"scheme", "value"} objects.',
                )
            )
        else:
            values["identifiers"] = identifiers

    if errors:
        raise ValidationFailed(errors=errors)
    return values


def agency_validate(data: dict[str, Any], instance: Agency | None = None) -> dict[str, Any]:
    """Check agency input without writing; raises ValidationFailed with every field error."""
    return _clean_agency(data, instance)


def _region_errors(agency_type: str, region: Region | None) -> list[FieldError]:
    if agency_type in REGION_RULES:
        level, kinds = REGION_RULES[agency_type]
    elif agency_type == Agency.Type.PERANGKAT_DAERAH:
        level, kinds = 0, PERANGKAT_DAERAH_KINDS
    else:
        return []
    if region is None:
        return [
            _error(
                "region",
                "region_required",
                "Instansi daerah wajib memiliki kode wilayah.",
                "A regional agency must have a region.",
            )
        ]
    if region.kind not in kinds or (level and region.level != level):
        expected = ", ".join(sorted(kinds))
        return [
            _error(
                "region",
                "region_level_mismatch",
                f"Wilayah {region.code} ({region.kind}) tidak sesuai untuk {agency_type}; "
                f"harus {expected}.",
                f"Region {region.code} ({region.kind}) does not fit a {agency_type}; "
                f"expected {expected}.",
            )
        ]
    return []


def _is_descendant_or_self(candidate: Agency, agency: Agency) -> bool:
    node: Agency | None = candidate
    seen = set()
    while node is not None and node.pk not in seen:
        if node.pk == agency.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


@transaction.atomic
def agency_create(*, principal: Principal, data: dict[str, Any]) -> Agency:
    """Create an agency (platform admins only). Audited; emits ``agency created``."""
    policy.require_platform_admin(principal)
    values = _clean_agency(data, None)
    agency = Agency(**values)
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        raise Conflict(
            errors=[_error("slug", "slug_taken", "Slug sudah dipakai.", "Slug already taken.")]
        ) from None
    audit_record(
        action="agency.create", entity="agency", entity_id=agency.pk, after=agency_snapshot(agency)
    )
    change_record(
        entity="agency",
        entity_id=agency.pk,
        action="created",
        version=agency.version,
        agency_id=agency.pk,
        data=agency_snapshot(agency),
    )
    agency_schedule(agency)
    return agency


@transaction.atomic
def agency_update(
    *,
    principal: Principal,
    agency: Agency,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Agency:
    """Change an agency's fields. Agency admins may change only descriptive fields.

    With `expected_version`, a concurrent change answers PreconditionFailed.
    """
    policy.check(principal, policy.CHANGE, agency)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    check_version(agency.version, expected_version)
    if not principal.is_platform_admin:
        restricted = set(data) - AGENCY_SELF_SERVICE_FIELDS
        if restricted:
            raise policy.PermissionDenied(
                "Hanya admin platform yang dapat mengubah kolom ini.",
                "Only platform admins may change these fields.",
                errors=[
                    _error(name, "platform_admin_only", "Khusus admin platform.", "Admins only.")
                    for name in sorted(restricted)
                ],
            )
    before = agency_snapshot(agency)
    values = _clean_agency(data, agency)
    for name, value in values.items():
        setattr(agency, name, value)
    agency.version += 1
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        raise Conflict(
            errors=[_error("slug", "slug_taken", "Slug sudah dipakai.", "Slug already taken.")]
        ) from None
    after = agency_snapshot(agency)
    action = "agency.update"
    if before["status"] != after["status"]:
        action = "agency.suspend" if agency.status == Agency.Status.SUSPENDED else "agency.activate"
    audit_record(action=action, entity="agency", entity_id=agency.pk, before=before, after=after)
    change_record(
        entity="agency",
        entity_id=agency.pk,
        action="updated",
        version=agency.version,
        agency_id=agency.pk,
        data=after,
    )
    if any(before[name] != after[name] for name in ("slug", "name", "status")):
        agency_schedule(agency)
    return agency


def membership_snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.pk,
        "user": membership.user_id,
        "agency": membership.agency_id,
        "role": membership.role,
    }


@transaction.atomic
def membership_create(
    *, principal: Principal, agency: Agency, user_id: Any, role: str
) -> Membership:
    """Give a user a role in an agency (agency admins of it, or platform admins)."""
    policy.check_create(principal, Membership, agency.pk)
    errors = []
    if role not in Membership.Role.values:
        errors.append(_error("role", "invalid_choice", "Peran tidak dikenal.", "Unknown role."))
    user = None
    by_number = isinstance(user_id, int) and not isinstance(user_id, bool)
    if by_number or (isinstance(user_id, str) and user_id.isdigit()):
        user = get_user_model().objects.filter(pk=int(user_id), is_active=True).first()
    if user is None or not policy.may_name_as_member(principal, user):
        errors.append(_error("user", "unknown_user", "Pengguna tidak ada.", "No such user."))
    if errors:
        raise ValidationFailed(errors=errors)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, agency=agency, role=role)
    except IntegrityError:
        raise membership_exists() from None
    audit_record(
        action="membership.create",
        entity="membership",
        entity_id=membership.pk,
        after=membership_snapshot(membership),
    )
    change_record(
        entity="membership",
        entity_id=membership.pk,
        action="created",
        agency_id=agency.pk,
        data=membership_snapshot(membership),
    )
    membership_schedule(user_id=membership.user_id, agency_id=agency.pk)
    return membership


def membership_exists() -> Conflict:
    """The refusal of a role the person already holds in the agency."""
    return Conflict(
        "Pengguna sudah memiliki peran ini.",
        "The user already has this role in the agency.",
        code="membership_exists",
    )


@transaction.atomic
def membership_delete(
    *, principal: Principal, membership: Membership, expected_version: int | None = None
) -> None:
    """Remove a role from a user. Audited; emits a delete tombstone."""
    policy.check(principal, policy.DELETE, membership)
    check_version(membership.version, expected_version)
    before = membership_snapshot(membership)
    pk = membership.pk
    membership.delete()
    audit_record(action="membership.delete", entity="membership", entity_id=pk, before=before)
    change_record(
        entity="membership",
        entity_id=pk,
        action="deleted",
        agency_id=before["agency"],
        data={"id": pk, "deleted": True},
    )
    membership_schedule(user_id=before["user"], agency_id=before["agency"])


def _scope_errors(principal: Principal, scopes: Any) -> list[FieldError]:
    """Scopes must be known, and a system may not grant scopes it does not hold itself."""
    if (
        not isinstance(scopes, list)
        or not scopes
        or any(scope not in policy.SCOPES for scope in scopes)
    ):
        return [
            _error(
                "scopes",
                "invalid_scope",
                "Cakupan tidak dikenal. Pilihan: " + ", ".join(policy.SCOPES),
                "Unknown scope. Choose from: " + ", ".join(policy.SCOPES),
            )
        ]
    if principal.scopes is not None and not set(scopes) <= principal.scopes:
        return [
            _error(
                "scopes",
                "scope_escalation",
                "Tidak boleh memberi cakupan melebihi milik Anda.",
                "Cannot grant scopes you do not hold.",
            )
        ]
    return []


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def apikey_snapshot(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.pk,
        "agency": key.agency_id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
    }


@transaction.atomic
def apikey_create(
    *,
    principal: Principal,
    agency: Agency,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue an API key for an agency system. Returns the record and the secret.

    The secret (``smpl_<prefix>_<random>``) is returned only here; the hub stores
    its SHA-256. Keys expire after ``HUB_API_KEY_DEFAULT_DAYS`` unless told otherwise.
    """
    policy.check_create(principal, ApiKey, agency.pk)
    errors = []
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append(_error("name", "required", "Nama wajib diisi.", "A name is required."))
    errors.extend(_scope_errors(principal, scopes))
    now = timezone.now()
    longest = settings.HUB_API_KEY_MAX_DAYS
    if expires_at is None:
        expires_at = now + timedelta(days=min(settings.HUB_API_KEY_DEFAULT_DAYS, longest))
    elif expires_at.year not in YEARS:
        errors.append(_error("expires_at", "invalid_datetime", *INVALID_DATETIME))
    else:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)  # no offset given: the hub's time (WIB)
        if expires_at <= now:
            errors.append(
                _error("expires_at", "in_past", "Harus di masa depan.", "Must be in the future.")
            )
        elif expires_at > now + timedelta(days=longest):
            errors.append(
                _error(
                    "expires_at",
                    "too_far",
                    f"Paling lama {longest} hari dari sekarang; perpanjang dengan kunci baru.",
                    f"At most {longest} days from now; rotate to a new key after that.",
                )
            )
    if not agency.is_active:
        errors.append(
            _error("agency", "agency_suspended", "Instansi ditangguhkan.", "Agency suspended.")
        )
    if errors:
        raise ValidationFailed(errors=errors)
    prefix = secrets.token_hex(4)
    secret = f"smpl_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        agency=agency,
        name=name.strip(),
        prefix=prefix,
        key_hash=_hash_key(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by_id=principal.user_id,
    )
    audit_record(
        action="apikey.create", entity="api_key", entity_id=key.pk, after=apikey_snapshot(key)
    )
    return key, secret


@transaction.atomic
def apikey_revoke(*, principal: Principal, key: ApiKey) -> ApiKey:
    """Revoke a key; it stops authenticating at once. Revoking twice changes nothing."""
    policy.check(principal, policy.DELETE, key)
    if key.revoked_at is None:
        before = apikey_snapshot(key)
        key.revoked_at = timezone.now()
        key.version += 1
        key.save(update_fields=["revoked_at", "version"])
        audit_record(
            action="apikey.revoke",
            entity="api_key",
            entity_id=key.pk,
            before=before,
            after=apikey_snapshot(key),
        )
    return key


_KEY_CHECK_FIELDS = (
    "agency_id",
    "prefix",
    "scopes",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "agency__status",
)


def apikey_authenticate(secret: str) -> ApiKey:
    """The live key for `secret`, with its agency; NotFound when unknown/expired/revoked.

    Marks the key as used (at most once a minute, so reads stay cheap).
    """
    match = re.fullmatch(r"smpl_([0-9a-f]{8})_[A-Za-z0-9_-]{20,}", secret or "")
    if not match:
        raise NotFound(code="invalid_api_key")
    key = (
        ApiKey.objects.select_related("agency")
        # Every API call passes here: read only what deciding needs.
        .only(*_KEY_CHECK_FIELDS)
        .filter(prefix=match.group(1), key_hash=_hash_key(secret))
        .first()
    )
    now = timezone.now()
    if (
        key is None
        or key.revoked_at is not None
        or (key.expires_at is not None and key.expires_at <= now)
        or not key.agency.is_active
    ):
        raise NotFound(code="invalid_api_key")
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def apiclient_snapshot(record: ApiClient) -> dict[str, Any]:
    """An API client as recorded in audit entries (never a secret)."""
    return {
        "id": record.pk,
        "agency": record.agency_id,
        "name": record.name,
        "client_id": record.oauth_client,
        "scopes": list(record.scopes),
        "rotated_at": record.rotated_at,
        "revoked_at": record.revoked_at,
    }


def _new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _require_keycloak() -> None:
    if not keycloak_enabled():
        raise Conflict(
            "Klien API memerlukan Keycloak; gunakan kunci API.",
            "API clients need Keycloak (KEYCLOAK_URL); use an API key instead.",
            code="keycloak_not_configured",
        )


@transaction.atomic
def apiclient_create(
    *, principal: Principal, agency: Agency, name: str, scopes: list[str]
) -> tuple[ApiClient, str]:
    """Register an agency system as a Keycloak client. Returns the record and its secret.

    The secret is returned only here. The hub keeps it sealed until the provisioning
    job has set it in Keycloak, then forgets it; the system gets tokens with the
    client-credentials grant once ``sync_state`` is ``synced``. Needs Keycloak.
    """
    policy.check_create(principal, ApiClient, agency.pk)
    _require_keycloak()
    errors = []
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append(_error("name", "required", "Nama wajib diisi.", "A name is required."))
    errors.extend(_scope_errors(principal, scopes))
    if not agency.is_active:
        errors.append(
            _error("agency", "agency_suspended", "Instansi ditangguhkan.", "Agency suspended.")
        )
    if errors:
        raise ValidationFailed(errors=errors)
    secret = _new_client_secret()
    record = ApiClient.objects.create(
        agency=agency,
        name=name.strip(),
        oauth_client=f"{agency.slug[:60]}-{secrets.token_hex(4)}",
        scopes=sorted(set(scopes)),
        pending_secret=seal(secret),
        created_by_id=principal.user_id,
    )
    audit_record(
        action="apiclient.create",
        entity="api_client",
        entity_id=record.pk,
        after=apiclient_snapshot(record),
    )
    client_schedule(record)
    return record, secret


@transaction.atomic
def apiclient_rotate(*, principal: Principal, record: ApiClient) -> tuple[ApiClient, str]:
    """Give an API client a new secret, returned only here.

    The old secret keeps working until the provisioning job has set the new one in
    Keycloak; tokens already issued stay valid until they expire.
    """
    policy.check(principal, policy.CHANGE, record)
    _require_keycloak()
    record = ApiClient.objects.select_for_update().get(pk=record.pk)
    if record.revoked_at is not None:
        raise Conflict(
            "Klien API sudah dicabut.", "The API client is revoked.", code="client_revoked"
        )
    before = apiclient_snapshot(record)
    secret = _new_client_secret()
    record.pending_secret = seal(secret)
    record.rotated_at = timezone.now()
    record.version += 1
    record.save(update_fields=["pending_secret", "rotated_at", "version"])
    audit_record(
        action="apiclient.rotate",
        entity="api_client",
        entity_id=record.pk,
        before=before,
        after=apiclient_snapshot(record),
    )
    client_schedule(record)
    return record, secret


@transaction.atomic
def apiclient_revoke(*, principal: Principal, record: ApiClient) -> ApiClient:
    """Revoke an API client: its tokens are refused at once; Keycloak disables it after.

    Revoking twice changes nothing.
    """
    policy.check(principal, policy.DELETE, record)
    record = ApiClient.objects.select_for_update().get(pk=record.pk)
    if record.revoked_at is None:
        before = apiclient_snapshot(record)
        record.revoked_at = timezone.now()
        record.pending_secret = ""
        record.version += 1
        record.save(update_fields=["revoked_at", "pending_secret", "version"])
        audit_record(
            action="apiclient.revoke",
            entity="api_client",
            entity_id=record.pk,
            before=before,
            after=apiclient_snapshot(record),
        )
        client_schedule(record)
    return record
