"""Directory writes that race: If-Match holds, a deleted row answers 404, a deadlock 409."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from agencies.contacts.models import ContactPoint, Office
from agencies.contacts.services import office_create, office_delete, office_update
from hub.audit import audit_record
from tests.contacts.conftest import as_principal
from tests.support.concurrency import TIMEOUT, Held, started, wait_until_blocked

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    return response.json()


def test_an_office_edited_from_a_stale_etag_while_another_edit_commits_answers_412(world, api):
    client = api(user=world.bpbd_editor)
    url = f"/api/v1/offices/{world.office.pk}/"
    etag = client.get(url)["ETag"]
    editor = as_principal(world.bpbd_editor)
    with Held(
        lambda: office_update(
            principal=editor, office=world.office, data={"opening_hours": "Mo-Su 00:00-24:00"}
        )
    ) as first:
        second = started(lambda: client.patch(url, {"postal_code": "65100"}, HTTP_IF_MATCH=etag))
        wait_until_blocked(also=second)
        first.release()
        response = second.result(30)
    _problem(response, 412, "precondition_failed")
    office = Office.objects.get(pk=world.office.pk)
    assert (office.opening_hours, office.postal_code) == ("Mo-Su 00:00-24:00", "65163")


def _spare_office(world) -> Office:
    """An office nothing uses yet, so that it may be deleted."""
    return office_create(
        principal=as_principal(world.bpbd_editor),
        agency=world.bpbd,
        data={
            "external_id": "pos-pantau",
            "name": "Pos Pantau Uji",
            "address": "Jl. Raya Dampit No. 1",
            "region": "35.07.05",
        },
    )


def test_an_office_deleted_while_an_edit_waits_answers_404(world, api):
    editor = as_principal(world.bpbd_editor)
    spare = _spare_office(world)
    client = api(user=world.bpbd_editor)
    with Held(lambda: office_delete(principal=editor, office=spare)) as deleting:
        change = started(
            lambda: client.patch(f"/api/v1/offices/{spare.pk}/", {"name": "Pos Pantau Baru"})
        )
        wait_until_blocked(also=change)
        deleting.release()
        response = change.result(30)
    _problem(response, 404, "not_found")
    assert not Office.objects.filter(pk=spare.pk).exists()


def test_a_contact_added_to_an_office_being_deleted_answers_409_and_is_not_kept(world, api):
    editor = as_principal(world.bpbd_editor)
    spare = _spare_office(world)
    before = ContactPoint.objects.count()
    client = api(user=world.bpbd_editor)
    contact = {
        "agency": "bpbd-uji",
        "office": spare.pk,
        "channel": "voice",
        "value": "0341 393000",
        "label": "Pos pantau",
    }
    # The delete found no contact of the office; the new contact's reference is
    # checked when it commits, behind the delete.
    with Held(lambda: office_delete(principal=editor, office=spare)) as deleting:
        adding = started(lambda: client.post("/api/v1/contacts/", contact))
        wait_until_blocked(also=adding)
        deleting.release()
        response = adding.result(30)
    _problem(response, 409, "conflict")
    assert ContactPoint.objects.count() == before
    assert not Office.objects.filter(pk=spare.pk).exists()


def test_an_edit_rolled_back_to_break_a_deadlock_answers_409_and_changes_nothing(world, api):
    """Two writes each wait for a lock the other holds: PostgreSQL rolls one back.

    The edit locks its office (If-Match), then waits for the audit chain, which
    another transaction holds while it waits for the same office. The edit
    started waiting first, so its deadlock check (``deadlock_timeout`` after it
    began waiting, 1 s) runs first and finds the cycle: the edit is rolled back.
    """
    client = api(user=world.bpbd_editor)
    url = f"/api/v1/offices/{world.office.pk}/"
    etag = client.get(url)["ETag"]
    chain_taken, edit_waits = threading.Event(), threading.Event()

    def other_write():
        with transaction.atomic():
            audit_record(action="office.checked", entity="office", entity_id=world.office.pk)
            chain_taken.set()
            assert edit_waits.wait(TIMEOUT)
            Office.objects.select_for_update().get(pk=world.office.pk)  # closes the cycle
        return "committed"

    holder = started(other_write)
    assert chain_taken.wait(TIMEOUT)
    edit = started(lambda: client.patch(url, {"postal_code": "65100"}, HTTP_IF_MATCH=etag))
    wait_until_blocked(also=edit)  # it holds the office and waits for the chain
    edit_waits.set()
    response = edit.result(TIMEOUT)

    body = _problem(response, 409, "write_conflict")
    assert response["Retry-After"] == "1"
    assert "kirim ulang" in body["detail"]
    assert holder.result(TIMEOUT) == "committed"
    assert Office.objects.get(pk=world.office.pk).postal_code == "65163"
    # Sent again, the edit goes through.
    etag = client.get(url)["ETag"]
    again = client.patch(url, {"postal_code": "65100"}, HTTP_IF_MATCH=etag)
    assert again.status_code == 200, again.content
    assert Office.objects.get(pk=world.office.pk).postal_code == "65100"
