"""Provisioning: the Keycloak realm follows the hub's agencies, staff and API clients.

The hub is the source of truth; Keycloak holds a copy laid out like this:

* ``/agencies`` — managed by the hub: every child group is one agency;
* ``/agencies/<slug>`` — attributes ``simpul.agency_id`` (so a renamed agency is
  found again) and ``simpul.status``;
* ``/agencies/<slug>/<role>`` — one subgroup per role (agency_admin, editor,
  verifier, viewer); its members are the staff holding that role in the hub;
* one user per staff member with a membership, linked to the hub user by
  :class:`~agencies.models.StaffIdentity`; created users are invited by e-mail to
  set a password and verify their address;
* one confidential client per :class:`~agencies.models.ApiClient`, with a service
  account whose ``simpul-api`` client roles are the record's scopes, enabled while
  the record is not revoked and its agency is active, marked with the attributes
  ``simpul.managed=api-client`` and ``simpul.api_client=<id>``.

Every ``ensure_*`` step compares what Keycloak has with what the hub says and changes
only the difference, one line per change in :attr:`Provisioner.changes`; running it
again changes nothing. The ``*_sync`` functions are what the background jobs run:
they record each record's ``sync_state`` and audit what they changed or why they
failed, then re-raise failures so the job is retried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies import policy
from agencies.identity.keycloak import KeycloakError, admin_client, describe_error, is_not_found
from agencies.identity.sealing import unseal
from agencies.models import Agency, ApiClient, Membership, StaffIdentity, SyncState
from hub.audit import audit_record

ROOT = "agencies"
AGENCY_ATTR = "simpul.agency_id"
STATUS_ATTR = "simpul.status"
MANAGED_ATTR = "simpul.managed"
MANAGED_CLIENT = "api-client"
RECORD_ATTR = "simpul.api_client"
AGENCY_SLUG_ATTR = "simpul.agency"
ACTOR = "system:keycloak-provisioning"


def _attr(group: dict, name: str) -> str | None:
    values = (group.get("attributes") or {}).get(name) or []
    return values[0] if values else None


@dataclass
class AgencyGroup:
    """An agency's group in the realm and its role subgroups (role → group id)."""

    id: str
    path: str
    roles: dict[str, str] = field(default_factory=dict)


class Provisioner:
    """Applies hub records to the realm through the admin API, remembering what it changed."""

    def __init__(self, kc=None) -> None:
        self.kc = kc if kc is not None else admin_client()
        self.changes: list[str] = []
        self.notes: list[str] = []
        self._root_id: str | None = None
        self._groups: list[dict] | None = None
        self._agencies: dict[int, AgencyGroup] = {}
        self._api_client_uuid: str | None = None
        self._api_roles: dict[str, dict] | None = None

    def _changed(self, text: str) -> None:
        self.changes.append(text)

    # -- agencies ---------------------------------------------------------------------------

    def root_id(self) -> str:
        """The id of ``/agencies``, created when missing."""
        if self._root_id is None:
            found = self.kc.get_group_by_path(f"/{ROOT}")
            if isinstance(found, dict) and found.get("id"):
                self._root_id = found["id"]
            else:
                self._root_id = self.kc.create_group({"name": ROOT})
                self._changed(f"created group /{ROOT}")
        return self._root_id

    def _children(self, group_id: str) -> list[dict]:
        return self.kc.get_group_children(group_id, query={"briefRepresentation": False})

    def agency_groups(self) -> list[dict]:
        """Every child group of ``/agencies`` as Keycloak has it (with attributes)."""
        if self._groups is None:
            self._groups = self._children(self.root_id())
        return self._groups

    def _match(self, agency: Agency) -> dict | None:
        groups = self.agency_groups()
        wanted = str(agency.pk)
        for group in groups:
            if _attr(group, AGENCY_ATTR) == wanted:
                return group
        for group in groups:
            if group["name"] != agency.slug:
                continue
            owner = _attr(group, AGENCY_ATTR)
            # A group of the same name left by an agency the hub no longer has is adopted.
            if owner is None or not owner.isdigit() or not Agency.objects.filter(pk=owner).exists():
                return group
        return None

    def ensure_agency(self, agency: Agency) -> AgencyGroup:
        """The agency's group exists under its current slug with its role subgroups."""
        if agency.pk in self._agencies:
            return self._agencies[agency.pk]
        ours = {AGENCY_ATTR: [str(agency.pk)], STATUS_ATTR: [agency.status]}
        path = f"/{ROOT}/{agency.slug}"
        group = self._match(agency)
        children: list[dict] = []
        if group is None:
            group_id = self.kc.create_group(
                {"name": agency.slug, "attributes": ours}, parent=self.root_id()
            )
            group = {"id": group_id, "name": agency.slug, "attributes": ours}
            self.agency_groups().append(group)
            self._changed(f"created group {path}")
        else:
            attributes = dict(group.get("attributes") or {})
            old_name = group["name"]
            old_status = _attr(group, STATUS_ATTR)
            if old_name != agency.slug or any(attributes.get(k) != v for k, v in ours.items()):
                attributes.update(ours)
                self.kc.update_group(group["id"], {"name": agency.slug, "attributes": attributes})
                if old_name != agency.slug:
                    self._changed(f"renamed group /{ROOT}/{old_name} to {path}")
                if old_status != agency.status:
                    self._changed(f"marked group {path} {agency.status}")
                if old_name == agency.slug and old_status == agency.status:
                    self._changed(f"set the attributes of group {path}")
                group["name"], group["attributes"] = agency.slug, attributes
            children = self._children(group["id"])
        by_name = {child["name"]: child for child in children}
        result = AgencyGroup(id=group["id"], path=path)
        for role in policy.ROLES:
            child = by_name.pop(role, None)
            if child is None:
                result.roles[role] = self.kc.create_group({"name": role}, parent=group["id"])
                self._changed(f"created group {path}/{role}")
            else:
                result.roles[role] = child["id"]
        for stale in by_name.values():
            self.kc.delete_group(stale["id"])
            self._changed(f"removed stale group {path}/{stale['name']}")
        self._agencies[agency.pk] = result
        return result

    def remove_stale_agency_groups(self, agencies: list[Agency]) -> None:
        """Delete the children of ``/agencies`` that belong to none of `agencies`."""
        kept = {group.id for group in self._agencies.values()}
        for agency in agencies:
            # An agency that could not be applied this time still owns its group.
            match = self._match(agency)
            if match is not None:
                kept.add(match["id"])
        for group in list(self.agency_groups()):
            if group["id"] not in kept:
                self.kc.delete_group(group["id"])
                self.agency_groups().remove(group)
                self._changed(f"removed stale group /{ROOT}/{group['name']}")

    # -- staff --------------------------------------------------------------------------------

    def _account(self, user, *, create: bool) -> str | None:
        """The Keycloak user id linked to `user`; found, or created and invited, or None."""
        link = StaffIdentity.objects.filter(user=user).first()
        if link is not None:
            try:
                self.kc.get_user(link.subject)
                return link.subject
            except KeycloakError as exc:
                if not is_not_found(exc):
                    raise
            link.delete()
        username = user.get_username().lower()
        found = self.kc.get_users({"username": username, "exact": True})
        if user.email:
            found += self.kc.get_users({"email": user.email, "exact": True})
        for account in found:
            if _vouches_for(account, user):
                self._link(user, account["id"])
                self._changed(f"linked user {username} to Keycloak account {account['username']}")
                return account["id"]
        if found:
            # Anyone may type a colleague's address into their own account (Keycloak
            # then marks it unverified): adopting it would hand them this person's roles.
            raise KeycloakLinkConflict(
                f"Keycloak account {found[0]['username']} has the name or e-mail of hub user "
                f"{username} but no verified e-mail {user.email or '(none)'}: verify it, or "
                "link the right account by hand"
            )
        if not create:
            return None
        actions = ["UPDATE_PASSWORD", *(["VERIFY_EMAIL"] if user.email else [])]
        payload: dict[str, Any] = {
            "username": username,
            "enabled": True,
            "emailVerified": False,
            "requiredActions": actions,
        }
        for key, value in (
            ("email", user.email),
            ("firstName", user.first_name),
            ("lastName", user.last_name),
        ):
            if value:
                payload[key] = value
        subject = self.kc.create_user(payload)
        self._link(user, subject)
        self._changed(f"invited user {username}")
        if not user.email:
            self.notes.append(f"{username} has no e-mail address: no invitation was sent")
            return subject
        try:
            self.kc.send_update_account(
                user_id=subject,
                payload=actions,
                client_id=settings.KEYCLOAK_PORTAL_CLIENT_ID,
                redirect_uri=f"{settings.HUB_PUBLIC_URL}/oidc/login",
            )
        except KeycloakError as exc:
            # The account exists and works once an admin resends the e-mail or sets a
            # password; a missing mail server must not fail the whole sync.
            self.notes.append(f"invitation e-mail to {user.email} not sent: {describe_error(exc)}")
        return subject

    def _link(self, user, subject: str) -> None:
        taken = StaffIdentity.objects.filter(subject=subject).exclude(user=user).first()
        if taken is not None:
            raise KeycloakLinkConflict(
                f"Keycloak account {subject} is already linked to hub user {taken.user_id}"
            )
        StaffIdentity.objects.update_or_create(user=user, defaults={"subject": subject})

    def ensure_member(self, user, agency: Agency) -> None:
        """The user is in exactly the role subgroups of `agency` that the hub gives them."""
        roles: set[str] = set()
        if user.is_active:
            roles = set(
                Membership.objects.filter(user=user, agency=agency).values_list("role", flat=True)
            )
        group = self.ensure_agency(agency)
        subject = self._account(user, create=bool(roles))
        if subject is None:
            return
        inside = {g["id"] for g in self.kc.get_user_groups(subject)}
        username = user.get_username().lower()
        for role, group_id in group.roles.items():
            if role in roles and group_id not in inside:
                self.kc.group_user_add(subject, group_id)
                self._changed(f"added {username} to {group.path}/{role}")
            elif role not in roles and group_id in inside:
                self.kc.group_user_remove(subject, group_id)
                self._changed(f"removed {username} from {group.path}/{role}")

    def remove_stale_members(self, agency: Agency) -> None:
        """Take out of the agency's role groups everyone the hub does not give that role."""
        group = self.ensure_agency(agency)
        wanted: dict[str, set[str]] = {role: set() for role in policy.ROLES}
        rows = Membership.objects.filter(
            agency=agency, user__is_active=True, user__keycloak_identity__isnull=False
        ).values_list("role", "user__keycloak_identity__subject")
        for role, subject in rows:
            wanted.setdefault(role, set()).add(subject)
        for role, group_id in group.roles.items():
            for member in self.kc.get_group_members(group_id):
                if member["id"] not in wanted.get(role, set()):
                    self.kc.group_user_remove(member["id"], group_id)
                    self._changed(f"removed {member.get('username')} from {group.path}/{role}")

    # -- API clients --------------------------------------------------------------------------

    def api_client_uuid(self) -> str:
        if self._api_client_uuid is None:
            uuid = self.kc.get_client_id(settings.KEYCLOAK_AUDIENCE)
            if not uuid:
                raise LookupError(f"the realm has no client {settings.KEYCLOAK_AUDIENCE!r}")
            self._api_client_uuid = uuid
        return self._api_client_uuid

    def api_roles(self) -> dict[str, dict]:
        if self._api_roles is None:
            roles = self.kc.get_client_roles(self.api_client_uuid())
            self._api_roles = {role["name"]: role for role in roles}
        return self._api_roles

    def ensure_client(self, record: ApiClient) -> None:
        """The record's Keycloak client exists, is enabled iff live, and holds its scopes."""
        agency = record.agency
        enabled = record.revoked_at is None and agency.is_active
        attributes = {
            MANAGED_ATTR: MANAGED_CLIENT,
            RECORD_ATTR: str(record.pk),
            AGENCY_SLUG_ATTR: agency.slug,
        }
        display = f"{agency.name}: {record.name}"[:255]
        secret = unseal(record.pending_secret) if record.pending_secret else None
        name = record.oauth_client
        uuid = self.kc.get_client_id(name)
        if uuid is None:
            if record.revoked_at is not None:
                return
            payload: dict[str, Any] = {
                "clientId": name,
                "name": display,
                "description": "Sistem instansi, dikelola Simpul / agency system managed by Simpul",
                "enabled": enabled,
                "protocol": "openid-connect",
                "publicClient": False,
                "clientAuthenticatorType": "client-secret",
                "serviceAccountsEnabled": True,
                "standardFlowEnabled": False,
                "implicitFlowEnabled": False,
                "directAccessGrantsEnabled": False,
                "attributes": attributes,
            }
            if secret:
                payload["secret"] = secret
            else:
                self.notes.append(
                    "the client was missing in Keycloak and was created again with a secret "
                    "nobody knows: rotate the secret"
                )
            uuid = self.kc.create_client(payload)
            self._changed(f"created client {name}")
        else:
            current = self.kc.get_client(uuid)
            update: dict[str, Any] = {}
            wanted = {
                "enabled": enabled,
                "name": display,
                "publicClient": False,
                "serviceAccountsEnabled": True,
                "standardFlowEnabled": False,
                "implicitFlowEnabled": False,
                "directAccessGrantsEnabled": False,
            }
            for key, value in wanted.items():
                if current.get(key) != value:
                    update[key] = value
            have = current.get("attributes") or {}
            if any(have.get(key) != value for key, value in attributes.items()):
                update["attributes"] = {**have, **attributes}
            if secret:
                update["secret"] = secret
            if update:
                self.kc.update_client(uuid, update)
                if "enabled" in update:
                    self._changed(f"{'enabled' if enabled else 'disabled'} client {name}")
                if secret:
                    self._changed(f"set the new secret of client {name}")
                rest = sorted(set(update) - {"enabled", "secret"})
                if rest:
                    self._changed(f"updated client {name}: {', '.join(rest)}")
        account = self.kc.get_client_service_account_user(uuid)
        api = self.api_client_uuid()
        held = {role["name"] for role in self.kc.get_client_roles_of_user(account["id"], api)}
        roles = self.api_roles()
        granted = set(record.scopes) & set(roles)
        missing = sorted(granted - held)
        extra = sorted(held - granted)
        if missing:
            self.kc.assign_client_role(account["id"], api, [roles[r] for r in missing])
            self._changed(f"granted client {name}: {', '.join(missing)}")
        if extra:
            self.kc.delete_client_roles_of_user(account["id"], api, [roles[r] for r in extra])
            self._changed(f"withdrew from client {name}: {', '.join(extra)}")

    def remove_stale_clients(self) -> None:
        """Delete hub-managed clients whose API client record no longer exists."""
        known = set(ApiClient.objects.values_list("oauth_client", flat=True))
        for client in self.kc.get_clients():
            attributes = client.get("attributes") or {}
            if attributes.get(MANAGED_ATTR) != MANAGED_CLIENT or client["clientId"] in known:
                continue
            self.kc.delete_client(client["id"])
            self._changed(f"removed stale client {client['clientId']}")


class KeycloakLinkConflict(Exception):
    """A Keycloak account would be linked to a second hub user, or to one it is not vouched for."""


def _vouches_for(account: dict, user) -> bool:
    """Whether an existing Keycloak account is `user`'s: its verified e-mail is theirs.

    The same rule as a first sign-in's (``oidc.staff_user_for``): a name or an
    unverified address proves nothing.
    """
    email = (account.get("email") or "").lower()
    return bool(user.email) and account.get("emailVerified") is True and email == user.email.lower()


# -- jobs and their bookkeeping ---------------------------------------------------------------


@contextmanager
def _tracked(
    provisioner: Provisioner,
    *,
    entity: str,
    entity_id: object,
    mark: Callable[[str, str], None],
) -> Iterator[None]:
    """Record the outcome of provisioning one record: sync state, audit entry.

    ``mark(state, error)`` stores the record's sync state. Failures are recorded
    and re-raised (so the job is retried); successes record the notes collected on
    the way (an unsent invitation) without failing. A link conflict is recorded and
    not retried: it needs a person to settle it, and a job waiting to retry would
    hold up every other identity job of the agency (they share a lock).
    """
    start = len(provisioner.changes)
    provisioner.notes = []
    try:
        yield
    except Exception as exc:
        error = describe_error(exc)
        with transaction.atomic():
            mark(SyncState.FAILED, error)
            audit_record(
                action="identity.sync_failed",
                entity=entity,
                entity_id=entity_id,
                after={"error": error, "changes": provisioner.changes[start:]},
                actor=ACTOR,
            )
        if isinstance(exc, KeycloakLinkConflict):
            return
        raise
    changes = provisioner.changes[start:]
    with transaction.atomic():
        mark(SyncState.SYNCED, "; ".join(provisioner.notes))
        if changes or provisioner.notes:
            audit_record(
                action="identity.provision",
                entity=entity,
                entity_id=entity_id,
                after={"changes": changes, "notes": provisioner.notes},
                actor=ACTOR,
            )


def _marker(queryset, **unchanged) -> Callable[[str, str], None]:
    """Sets sync state on `queryset`, only on rows still as they were read (`unchanged`).

    A row changed meanwhile has a newer job waiting; it stays ``pending`` for that job.
    """

    def mark(state: str, error: str) -> None:
        values: dict[str, Any] = {"sync_state": state, "sync_error": error}
        if state == SyncState.SYNCED:
            values["synced_at"] = timezone.now()
        queryset.filter(**unchanged).update(**values)

    return mark


def _agency_apply(provisioner: Provisioner, agency: Agency, *, members: bool = False) -> None:
    with _tracked(
        provisioner,
        entity="agency",
        entity_id=agency.pk,
        mark=_marker(Agency.objects.filter(pk=agency.pk), version=agency.version),
    ):
        provisioner.ensure_agency(agency)
        if members:
            provisioner.remove_stale_members(agency)


def _client_apply(provisioner: Provisioner, record: ApiClient) -> None:
    with _tracked(
        provisioner,
        entity="api_client",
        entity_id=record.pk,
        mark=_marker(ApiClient.objects.filter(pk=record.pk), version=record.version),
    ):
        provisioner.ensure_client(record)
        if record.pending_secret:
            # Keycloak has it now; the hub forgets it (unless a newer one replaced it).
            ApiClient.objects.filter(pk=record.pk, pending_secret=record.pending_secret).update(
                pending_secret=""
            )


def _member_apply(provisioner: Provisioner, user, agency: Agency) -> None:
    with _tracked(
        provisioner,
        entity="membership",
        entity_id=f"{user.pk}@{agency.pk}",
        mark=_marker(Membership.objects.filter(user=user, agency=agency)),
    ):
        provisioner.ensure_member(user, agency)


def agency_sync(*, agency_id: int) -> list[str]:
    """Apply one agency (group, role groups, status, no stray members) and its API clients."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return []
    provisioner = Provisioner()
    _agency_apply(provisioner, agency, members=True)
    for record in agency.api_clients.select_related("agency"):
        _client_apply(provisioner, record)
    return provisioner.changes


def client_sync(*, api_client_id: int) -> list[str]:
    """Apply one API client (its Keycloak client, secret, enabled state, roles)."""
    record = ApiClient.objects.select_related("agency").filter(pk=api_client_id).first()
    if record is None:
        return []
    provisioner = Provisioner()
    _client_apply(provisioner, record)
    return provisioner.changes


def membership_sync(*, user_id: int, agency_id: int) -> list[str]:
    """Apply one person's roles in one agency (account, invitation, role groups)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    agency = Agency.objects.filter(pk=agency_id).first()
    if user is None or agency is None:
        return []
    provisioner = Provisioner()
    _member_apply(provisioner, user, agency)
    return provisioner.changes


@dataclass
class SyncReport:
    """What a full reconciliation changed, and the records it could not apply."""

    changes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def reconcile_all() -> SyncReport:
    """Make the realm match the hub everywhere: create, rename, disable, remove stale.

    Each record is applied and tracked like a job; a record that fails is reported
    and the rest go on. Keycloak unreachable fails the whole run at the first call.
    """
    provisioner = Provisioner()
    report = SyncReport(changes=provisioner.changes)
    provisioner.agency_groups()
    users = get_user_model().objects

    def attempt(label: str, apply: Callable[[], None]) -> None:
        try:
            apply()
        except Exception as exc:  # noqa: BLE001 - recorded on the record; the rest goes on
            report.failures.append(f"{label}: {describe_error(exc)}")

    agencies = list(Agency.objects.order_by("pk"))
    for agency in agencies:
        attempt(f"agency {agency.slug}", lambda a=agency: _agency_apply(provisioner, a))
    provisioner.remove_stale_agency_groups(agencies)
    for record in ApiClient.objects.select_related("agency").order_by("pk"):
        attempt(f"client {record.oauth_client}", lambda r=record: _client_apply(provisioner, r))
    provisioner.remove_stale_clients()
    by_id = {agency.pk: agency for agency in agencies}
    pairs = Membership.objects.order_by("user_id", "agency_id").values_list("user_id", "agency_id")
    for user_id, agency_id in dict.fromkeys(pairs):
        user = users.get(pk=user_id)
        attempt(
            f"membership {user.get_username()}@{by_id[agency_id].slug}",
            lambda u=user, a=by_id[agency_id]: _member_apply(provisioner, u, a),
        )
    for agency in agencies:
        if agency.pk in provisioner._agencies:
            attempt(
                f"members of {agency.slug}",
                lambda a=agency: provisioner.remove_stale_members(a),
            )
    if report.changes or report.failures:
        audit_record(
            action="identity.reconcile",
            entity="keycloak",
            entity_id=settings.KEYCLOAK_REALM,
            after={"changes": report.changes, "failures": report.failures},
            actor=ACTOR,
        )
    return report
