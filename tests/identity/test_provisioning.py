"""Provisioning: hub writes reach the real Keycloak through the identity jobs.

Agencies become ``/agencies/<slug>`` groups with role subgroups, members become
invited users in those subgroups, API clients become confidential clients with a
service account holding their scopes. ``keycloak-sync`` repairs every drift and a
second run changes nothing.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from keycloak.exceptions import KeycloakError

from agencies import policy
from agencies.models import ApiClient, Membership, StaffIdentity
from agencies.services import (
    agency_update,
    apiclient_create,
    apiclient_revoke,
    membership_create,
    membership_delete,
)
from agencies.tasks import membership_schedule
from hub.models import AuditEntry
from tests.conftest import PLATFORM
from tests.identity.conftest import unique

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


def group(kc, path: str) -> dict | None:
    found = kc.get_group_by_path(path)
    return found if isinstance(found, dict) and found.get("id") else None


def member_names(kc, path: str) -> set[str]:
    return {user["username"] for user in kc.get_group_members(group(kc, path)["id"])}


def client_state(kc, oauth_client: str) -> tuple[bool, set[str]]:
    """(enabled, simpul-api roles of its service account) of a Keycloak client."""
    uuid = kc.get_client_id(oauth_client)
    account = kc.get_client_service_account_user(uuid)
    roles = kc.get_client_roles_of_user(account["id"], kc.get_client_id("simpul-api"))
    return kc.get_client(uuid)["enabled"], {role["name"] for role in roles}


def test_agency_member_and_client_appear_in_keycloak(
    keycloak, jobs, make_agency, make_person, api, make_user
):
    slug = unique("prov")
    admin = make_user(superuser=True)
    response = api(user=admin).post(
        "/api/v1/agencies/", {"slug": slug, "name": "Badan Uji Provisi", "type": "lpnk"}
    )
    assert response.status_code == 201, response.content
    agency_id = response.json()["id"]
    person = make_person()
    response = api(user=admin).post(
        "/api/v1/memberships/", {"agency": slug, "user": person.pk, "role": "editor"}
    )
    assert response.status_code == 201, response.content
    response = api(user=admin).post(
        "/api/v1/api-clients/",
        {"agency": slug, "name": "Situs", "scopes": ["content:read", "facts:write"]},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    # Nothing has reached Keycloak yet: the hub's writes only queued the work.
    kc = keycloak.admin()
    assert group(kc, f"/agencies/{slug}") is None
    assert created["sync_state"] == "pending"

    jobs.run()

    found = group(kc, f"/agencies/{slug}")
    assert found["attributes"]["simpul.agency_id"] == [str(agency_id)]
    roles = {child["name"] for child in kc.get_group_children(found["id"])}
    assert roles == set(policy.ROLES)
    assert member_names(kc, f"/agencies/{slug}/editor") == {person.username}
    subject = StaffIdentity.objects.get(user=person).subject
    account = kc.get_user(subject)
    assert account["email"] == person.email
    assert set(account["requiredActions"]) == {"UPDATE_PASSWORD", "VERIFY_EMAIL"}
    membership = Membership.objects.get(user=person)
    # The dev realm has no mail server: the invitation fails, the sync does not.
    assert membership.sync_state == "synced"
    assert "invitation e-mail" in membership.sync_error
    # The agency's admins read the same over the API.
    listed = api(user=admin).get(f"/api/v1/memberships/?agency={slug}").json()["results"]
    assert [(m["sync_state"], "invitation e-mail" in m["sync_error"]) for m in listed] == [
        ("synced", True)
    ]
    gql = api(user=admin).gql(
        "query($a: String) { memberships(agency: $a) { edges { node { syncState } } } }",
        {"a": slug},
    )
    assert gql["data"]["memberships"]["edges"] == [{"node": {"syncState": "synced"}}]

    record = ApiClient.objects.get(pk=created["id"])
    assert record.sync_state == "synced" and record.sync_error == ""
    assert record.pending_secret == ""  # Keycloak has the secret; the hub forgot it
    assert client_state(kc, record.oauth_client) == (True, {"content:read", "facts:write"})
    token = keycloak.openid(record.oauth_client, created["secret"]).token(
        grant_type="client_credentials"
    )
    assert token["access_token"]

    provisioned = AuditEntry.objects.filter(action="identity.provision")
    assert {entry.entity for entry in provisioned} >= {"agency", "membership", "api_client"}
    assert any(f"created group /agencies/{slug}" in entry.after["changes"] for entry in provisioned)


def test_rename_suspend_reactivate_revoke_and_remove_follow_the_hub(
    keycloak, jobs, make_agency, make_person, make_system
):
    slug = unique("ubah")
    agency = make_agency(slug)
    person = make_person(agency, "verifier")
    system = make_system(agency, "content:read")
    kc = keycloak.admin()
    group_id = group(kc, f"/agencies/{slug}")["id"]

    renamed = unique("ganti")
    agency = agency_update(principal=PLATFORM, agency=agency, data={"slug": renamed})
    jobs.run()
    assert group(kc, f"/agencies/{slug}") is None
    assert group(kc, f"/agencies/{renamed}")["id"] == group_id  # the same group, renamed
    assert member_names(kc, f"/agencies/{renamed}/verifier") == {person.username}

    agency = agency_update(principal=PLATFORM, agency=agency, data={"status": "suspended"})
    jobs.run()
    assert client_state(kc, system.record.oauth_client)[0] is False
    assert group(kc, f"/agencies/{renamed}")["attributes"]["simpul.status"] == ["suspended"]
    with pytest.raises(KeycloakError):
        system.token()

    agency = agency_update(principal=PLATFORM, agency=agency, data={"status": "active"})
    jobs.run()
    assert client_state(kc, system.record.oauth_client)[0] is True
    assert system.token()

    membership_delete(principal=PLATFORM, membership=Membership.objects.get(user=person))
    jobs.run()
    assert member_names(kc, f"/agencies/{renamed}/verifier") == set()

    apiclient_revoke(principal=PLATFORM, record=system.record)
    jobs.run()
    assert client_state(kc, system.record.oauth_client)[0] is False
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"agency.suspend", "agency.activate", "apiclient.revoke", "membership.delete"} <= actions


def test_keycloak_sync_repairs_every_drift_and_then_changes_nothing(
    keycloak, jobs, make_agency, make_person, make_system
):
    slug = unique("drift")
    agency = make_agency(slug)
    person = make_person(agency, "editor")
    system = make_system(agency, "content:read", "agency:admin")
    suspended = make_agency(unique("diam"))
    quiet = make_system(suspended, "content:read")
    jobs.run()
    kc = keycloak.admin()

    # Drift made behind the hub's back, in Keycloak and in the hub's database.
    found = group(kc, f"/agencies/{slug}")
    kc.update_group(found["id"], {"name": f"{slug}-salah", "attributes": found["attributes"]})
    editor = group(kc, f"/agencies/{slug}-salah/editor")
    kc.group_user_remove(StaffIdentity.objects.get(user=person).subject, editor["id"])
    root = group(kc, "/agencies")["id"]
    stale_group = unique("basi")
    kc.create_group({"name": stale_group}, parent=root)
    stale_client = unique("basi-klien")
    kc.create_client(
        {
            "clientId": stale_client,
            "serviceAccountsEnabled": True,
            "attributes": {"simpul.managed": "api-client", "simpul.api_client": "0"},
        }
    )
    uuid = kc.get_client_id(system.record.oauth_client)
    kc.update_client(uuid, {"enabled": False})
    account = kc.get_client_service_account_user(uuid)
    api_uuid = kc.get_client_id("simpul-api")
    kc.delete_client_roles_of_user(
        account["id"], api_uuid, [kc.get_client_role(api_uuid, "agency:admin")]
    )
    kc.assign_client_role(account["id"], api_uuid, [kc.get_client_role(api_uuid, "facts:write")])
    type(suspended).objects.filter(pk=suspended.pk).update(status="suspended")  # job lost

    out = io.StringIO()
    call_command("keycloak_sync", stdout=out)
    report = out.getvalue().splitlines()
    assert f"renamed group /agencies/{slug}-salah to /agencies/{slug}" in report
    assert f"added {person.username} to /agencies/{slug}/editor" in report
    assert f"removed stale group /agencies/{stale_group}" in report
    assert f"removed stale client {stale_client}" in report
    assert f"enabled client {system.record.oauth_client}" in report
    assert f"granted client {system.record.oauth_client}: agency:admin" in report
    assert f"withdrew from client {system.record.oauth_client}: facts:write" in report
    assert f"disabled client {quiet.record.oauth_client}" in report

    assert member_names(kc, f"/agencies/{slug}/editor") == {person.username}
    assert group(kc, f"/agencies/{stale_group}") is None
    assert kc.get_client_id(stale_client) is None
    assert client_state(kc, system.record.oauth_client) == (True, {"content:read", "agency:admin"})
    assert client_state(kc, quiet.record.oauth_client)[0] is False
    assert AuditEntry.objects.filter(action="identity.reconcile").exists()

    again = io.StringIO()
    call_command("keycloak_sync", stdout=again)
    assert again.getvalue().splitlines() == ["nothing changed"]


def test_a_waiting_job_stands_for_every_change_to_its_record(keycloak, jobs, make_agency):
    agency = make_agency(unique("antre"))
    for name in ("Satu", "Dua", "Tiga"):
        agency = agency_update(principal=PLATFORM, agency=agency, data={"name": name})
    waiting = jobs.waiting()
    assert [row["task_name"] for row in waiting] == ["agencies.identity_agency_sync"]
    record, _ = apiclient_create(
        principal=PLATFORM, agency=agency, name="Satu", scopes=["content:read"]
    )
    jobs.run()
    assert jobs.waiting() == []
    record.refresh_from_db()
    agency.refresh_from_db()
    assert agency.sync_state == record.sync_state == "synced"
    enabled, _ = client_state(keycloak.admin(), record.oauth_client)
    assert (
        enabled
        and keycloak.admin().get_client(keycloak.admin().get_client_id(record.oauth_client))["name"]
        == f"Tiga: {record.name}"
    )


def test_an_unverified_address_does_not_hand_over_a_new_members_roles(
    keycloak, jobs, make_agency, make_person
):
    """Anyone may type a colleague's address into their own Keycloak account (unverified):
    provisioning must not link the colleague's hub user, and its roles, to that account."""
    agency = make_agency(unique("ambil"))
    person = make_person()
    kc = keycloak.admin()
    squatter = kc.create_user(
        {"username": unique("orang-luar"), "email": person.email, "enabled": True,
         "emailVerified": False}
    )  # fmt: skip
    owner = None
    try:
        membership = membership_create(
            principal=PLATFORM, agency=agency, user_id=person.pk, role="agency_admin"
        )
        jobs.run()
        membership.refresh_from_db()
        assert membership.sync_state == "failed"
        assert "no verified e-mail" in membership.sync_error
        assert not StaffIdentity.objects.filter(user=person).exists()
        assert {g["path"] for g in kc.get_user_groups(squatter)} == set()
        # A person settles a conflict: no retry holds up the agency's other jobs.
        assert jobs.waiting() == []
        colleague = make_person(agency, "viewer")
        jobs.run()
        assert Membership.objects.get(user=colleague).sync_state == "synced"

        # The account whose address is verified is the person's: it is linked.
        kc.delete_user(squatter)
        squatter = None
        owner = kc.create_user(
            {"username": unique("pemilik"), "email": person.email, "enabled": True,
             "emailVerified": True}
        )  # fmt: skip
        membership_schedule(user_id=person.pk, agency_id=agency.pk)  # as the admin's "resync"
        jobs.run()
        membership.refresh_from_db()
        assert membership.sync_state == "synced", membership.sync_error
        assert StaffIdentity.objects.get(user=person).subject == owner
        paths = {g["path"] for g in kc.get_user_groups(owner)}
        assert paths == {f"/agencies/{agency.slug}/agency_admin"}
    finally:
        for subject in (squatter, owner):
            if subject is not None:
                kc.delete_user(subject)


def test_a_disabled_or_deleted_account_leaves_its_role_groups(
    keycloak, jobs, make_agency, make_person
):
    agency = make_agency(unique("keluar"))
    person = make_person(agency, "editor")
    jobs.run()
    kc = keycloak.admin()
    path = f"/agencies/{agency.slug}/editor"
    assert member_names(kc, path) == {person.username}

    person.is_active = False
    person.save()  # as the admin's user form saves it
    assert Membership.objects.get(user=person).sync_state == "pending"
    jobs.run()
    assert member_names(kc, path) == set()

    person.is_active = True
    person.save()
    jobs.run()
    assert member_names(kc, path) == {person.username}

    # A deleted account leaves them too.
    person.delete()
    jobs.run()
    assert member_names(kc, path) == set()
