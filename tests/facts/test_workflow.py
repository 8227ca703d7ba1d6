"""The clarification workflow: legal moves, illegal moves with stable codes, four eyes,
immutability of published versions, corrections, withdrawal, audit and change events."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from hub.errors import Conflict, PermissionDenied
from hub.facts import services
from hub.facts.models import Clarification, ClarificationVersion
from hub.models import AuditEntry, ChangeEvent
from tests.facts.conftest import principal

pytestmark = pytest.mark.django_db


def test_full_workflow_audits_and_emits_every_transition(desk, make_clarification):
    item = make_clarification(until="published")
    assert item.status == "published" and item.working_id is None
    assert item.head.number == 1 and item.head.state == "published"
    assert item.head.signature and item.head.kid and item.head.document["id"] == item.pk
    actions = list(
        AuditEntry.objects.filter(entity="clarification", entity_id=str(item.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "clarification.create",
        "clarification.submit",
        "clarification.approve",
        "clarification.publish",
    ]
    events = list(
        ChangeEvent.objects.filter(entity="clarification", entity_id=str(item.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["created", "updated", "updated", "published"]
    published = ChangeEvent.objects.get(
        entity="clarification", entity_id=str(item.pk), action="published"
    )
    assert published.data["verdict"] == "hoaks" and published.version == 1


@pytest.mark.parametrize(
    "until, action, code",
    [
        ("draft", "approve", "invalid_transition"),
        ("draft", "publish", "invalid_transition"),
        ("draft", "withdraw", "invalid_transition"),
        ("draft", "correct", "invalid_transition"),
        ("in_review", "submit", "invalid_transition"),
        ("in_review", "publish", "invalid_transition"),
        ("approved", "approve", "invalid_transition"),
        ("published", "submit", "invalid_transition"),
        ("published", "approve", "invalid_transition"),
        ("published", "publish", "invalid_transition"),
        ("published", "reject", "invalid_transition"),
    ],
)
def test_illegal_transitions_have_stable_codes(desk, make_clarification, until, action, code):
    item = make_clarification(until=until)
    editor, verifier = principal(desk.editor), principal(desk.verifier2)
    calls = {
        "submit": lambda: services.clarification_submit(principal=editor, clarification=item),
        "approve": lambda: services.clarification_approve(principal=verifier, clarification=item),
        "reject": lambda: services.clarification_reject(principal=verifier, clarification=item),
        "publish": lambda: services.clarification_publish(principal=verifier, clarification=item),
        "withdraw": lambda: services.clarification_withdraw(
            principal=verifier, clarification=item, reason="salah"
        ),
        "correct": lambda: services.clarification_correct(
            principal=editor, clarification=item, data={}, correction_note="x"
        ),
    }
    before = (AuditEntry.objects.count(), ChangeEvent.objects.count())
    with pytest.raises(Conflict) as caught:
        calls[action]()
    assert caught.value.code == code and caught.value.status == 409
    assert caught.value.extra["action"] == action
    assert (AuditEntry.objects.count(), ChangeEvent.objects.count()) == before


def test_author_cannot_approve_own_draft(desk, make_claim):
    author = principal(desk.editor_verifier)
    item = services.clarification_create(
        principal=author,
        agency=desk.agency,
        data={
            "claim": make_claim().pk,
            "title": "Vaksin mengandung chip",
            "verdict": "hoaks",
            "body": "Tidak ada chip dalam vaksin.",
            "conclusion": "Hoaks.",
            "sources": [{"name": "Kemenkes", "url": "https://kemkes.go.id/a"}],
        },
    )
    item = services.clarification_submit(principal=author, clarification=item)
    with pytest.raises(PermissionDenied) as caught:
        services.clarification_approve(principal=author, clarification=item)
    assert caught.value.code == "four_eyes_required" and caught.value.status == 403
    approved = services.clarification_approve(
        principal=principal(desk.verifier), clarification=item
    )
    assert approved.status == "approved"
    assert approved.working.approved_by == f"user:{desk.verifier.pk}"


def test_editor_who_edited_cannot_approve(desk, make_clarification):
    item = make_clarification(until="draft")
    services.clarification_update(
        principal=principal(desk.editor_verifier), clarification=item, data={"title": "Judul baru"}
    )
    item = services.clarification_submit(principal=principal(desk.editor), clarification=item)
    with pytest.raises(PermissionDenied) as caught:
        services.clarification_approve(
            principal=principal(desk.editor_verifier), clarification=item
        )
    assert caught.value.code == "four_eyes_required"


def test_roles_decide_who_reviews(desk, make_clarification):
    item = make_clarification(until="in_review")
    with pytest.raises(PermissionDenied):
        services.clarification_approve(principal=principal(desk.editor), clarification=item)
    with pytest.raises(PermissionDenied):
        services.clarification_approve(principal=principal(desk.viewer), clarification=item)


def test_published_version_cannot_change_in_place(desk, make_clarification):
    item = make_clarification()
    with pytest.raises(Conflict) as caught:
        services.clarification_update(
            principal=principal(desk.editor), clarification=item, data={"verdict": "fakta"}
        )
    assert caught.value.code == "published_immutable"
    version = ClarificationVersion.objects.get(pk=item.head_id)
    assert version.verdict_id == "hoaks"
    # The database refuses it too, whatever the code path.
    with pytest.raises(DatabaseError), transaction.atomic():
        ClarificationVersion.objects.filter(pk=version.pk).update(body="diubah")
    with pytest.raises(DatabaseError), transaction.atomic():
        ClarificationVersion.objects.filter(pk=version.pk).update(state="draft")
    with pytest.raises(DatabaseError), transaction.atomic():
        ClarificationVersion.objects.filter(pk=version.pk).delete()


def test_correction_is_a_new_version_through_four_eyes(desk, make_clarification):
    item = make_clarification()
    editor, verifier = principal(desk.editor), principal(desk.verifier)
    first = item.head
    with pytest.raises(Exception) as caught:
        services.clarification_correct(
            principal=editor, clarification=item, data={"body": "x"}, correction_note=" "
        )
    assert caught.value.errors[0].code == "correction_note_required"
    item = services.clarification_correct(
        principal=editor,
        clarification=item,
        data={"body": "Penjelasan yang diperbaiki: nominal yang beredar Rp 5 juta."},
        correction_note="Memperbaiki nominal pada penjelasan.",
    )
    assert item.status == "published" and item.working.number == 2
    with pytest.raises(Conflict) as caught:
        services.clarification_correct(
            principal=editor, clarification=item, data={}, correction_note="lagi"
        )
    assert caught.value.code == "correction_in_progress"
    # Readers still get version 1 while the correction is reviewed.
    item.refresh_from_db()
    assert item.head_id == first.pk
    item = services.clarification_submit(principal=editor, clarification=item)
    with pytest.raises(PermissionDenied):
        services.clarification_approve(principal=editor, clarification=item)
    item = services.clarification_approve(principal=verifier, clarification=item)
    item = services.clarification_publish(principal=verifier, clarification=item)
    item.refresh_from_db()
    assert item.status == "corrected" and item.head.number == 2
    assert item.head.document["correction_note"] == "Memperbaiki nominal pada penjelasan."
    first.refresh_from_db()
    assert first.state == "superseded" and first.body != item.head.body
    assert first.document["version"] == 1


def test_withdrawal_leaves_a_tombstone(desk, make_clarification):
    item = make_clarification()
    with pytest.raises(Exception) as caught:
        services.clarification_withdraw(
            principal=principal(desk.verifier), clarification=item, reason=""
        )
    assert caught.value.errors[0].code == "reason_required"
    item = services.clarification_withdraw(
        principal=principal(desk.verifier), clarification=item, reason="Salah sasaran klaim."
    )
    assert item.status == "withdrawn" and item.withdrawal_reason == "Salah sasaran klaim."
    event = ChangeEvent.objects.filter(entity="clarification", entity_id=str(item.pk)).latest("id")
    assert event.action == "withdrawn" and event.data["status"] == "withdrawn"
    item.claim.refresh_from_db()
    assert not item.claim.is_public and not item.claim.is_shared
    with pytest.raises(Conflict) as caught:
        services.clarification_withdraw(
            principal=principal(desk.verifier), clarification=item, reason="lagi"
        )
    assert caught.value.code == "invalid_transition"
    assert Clarification.objects.get(pk=item.pk).status == "withdrawn"
