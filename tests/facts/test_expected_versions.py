"""Optimistic locking over GraphQL: a write naming a count the record moved past fails.

Claims and bulletins count their changes in `version`, clarifications in
`revision` (their `version` numbers the content versions). Every update and
workflow mutation takes the count it was read at (`expectedVersion`,
`expectedRevision`) and answers `precondition_failed`, changing nothing, when
the record changed since.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from hub.errors import PreconditionFailed
from hub.facts import services
from hub.facts.models import Bulletin, Claim, Clarification
from hub.models import ChangeEvent
from tests.facts.conftest import principal

pytestmark = pytest.mark.django_db

CLARIFICATION = "query($id: Int!) { clarification(id: $id) { status revision version } }"
BULLETIN = "query($id: Int!) { bulletin(id: $id) { status version severity } }"


def _run(client, mutation: str, name: str, variables: dict) -> dict:
    result = client.gql(mutation, variables)
    assert "errors" not in result, result
    return result["data"][name]


def _refused(payload: dict) -> None:
    assert [error["code"] for error in payload["errors"]] == ["precondition_failed"], payload


def test_a_clarification_draft_edited_from_a_stale_revision_is_refused(
    api, desk, make_clarification
):
    item = make_clarification(until="draft")
    editor = api(user=desk.editor)
    read = editor.gql(CLARIFICATION, {"id": item.pk})["data"]["clarification"]
    assert read == {"status": "DRAFT", "revision": 1, "version": 1}
    update = """mutation($id: Int!, $r: Int) {
        clarificationUpdate(id: $id, input: {body: "Isi yang diperbarui."}, expectedRevision: $r) {
            clarification { revision } errors { code }
        }
    }"""

    first = _run(editor, update, "clarificationUpdate", {"id": item.pk, "r": 1})
    assert first == {"clarification": {"revision": 2}, "errors": []}
    # A second editor still holding revision 1 would overwrite that edit.
    _refused(
        _run(
            editor,
            update.replace("diperbarui", "lama"),
            "clarificationUpdate",
            {"id": item.pk, "r": 1},
        )
    )
    item.refresh_from_db()
    assert item.revision == 2
    assert item.working.body == "Isi yang diperbarui."


def test_each_workflow_move_checks_and_counts_the_revision(api, desk, make_clarification):
    item = make_clarification(until="draft")
    editor, verifier = api(user=desk.editor), api(user=desk.verifier)
    move = """mutation($id: Int!, $r: Int) {
        %s(id: $id, expectedRevision: $r) { clarification { status revision } errors { code } }
    }"""

    _refused(
        _run(editor, move % "clarificationSubmit", "clarificationSubmit", {"id": item.pk, "r": 7})
    )
    assert Clarification.objects.get(pk=item.pk).status == "draft"
    submitted = _run(
        editor, move % "clarificationSubmit", "clarificationSubmit", {"id": item.pk, "r": 1}
    )
    assert submitted["clarification"] == {"status": "IN_REVIEW", "revision": 2}
    _refused(
        _run(
            verifier, move % "clarificationApprove", "clarificationApprove", {"id": item.pk, "r": 1}
        )
    )
    approved = _run(
        verifier, move % "clarificationApprove", "clarificationApprove", {"id": item.pk, "r": 2}
    )
    assert approved["clarification"] == {"status": "APPROVED", "revision": 3}
    # Without the argument a move is unconditional, as before.
    published = _run(
        verifier, move % "clarificationPublish", "clarificationPublish", {"id": item.pk}
    )
    assert published["clarification"] == {"status": "PUBLISHED", "revision": 4}

    correct = """mutation($id: Int!, $r: Int) {
        clarificationCorrect(id: $id, correctionNote: "Angka diperbaiki.", expectedRevision: $r) {
            clarification { status revision workingVersion } errors { code }
        }
    }"""
    _refused(_run(editor, correct, "clarificationCorrect", {"id": item.pk, "r": 3}))
    assert Clarification.objects.get(pk=item.pk).working_id is None
    corrected = _run(editor, correct, "clarificationCorrect", {"id": item.pk, "r": 4})
    assert corrected["clarification"]["revision"] == 5
    assert corrected["clarification"]["workingVersion"] == 2

    withdraw = """mutation($id: Int!, $r: Int) {
        clarificationWithdraw(id: $id, reason: "Salah terbit.", expectedRevision: $r) {
            clarification { status revision } errors { code }
        }
    }"""
    _refused(_run(verifier, withdraw, "clarificationWithdraw", {"id": item.pk, "r": 4}))
    withdrawn = _run(verifier, withdraw, "clarificationWithdraw", {"id": item.pk, "r": 5})
    assert withdrawn["errors"] == [], withdrawn


def test_a_claim_edited_from_a_stale_version_is_refused(api, desk, make_claim):
    claim = make_claim()
    editor = api(user=desk.editor)
    update = """mutation($id: Int!, $v: Int) {
        claimUpdate(id: $id, input: {summary: %s}, expectedVersion: $v) {
            claim { version } errors { code }
        }
    }"""
    done = _run(editor, update % '"Ringkasan baru."', "claimUpdate", {"id": claim.pk, "v": 1})
    assert done == {"claim": {"version": 2}, "errors": []}
    _refused(_run(editor, update % '"Ringkasan lama."', "claimUpdate", {"id": claim.pk, "v": 1}))
    assert Claim.objects.get(pk=claim.pk).summary == "Ringkasan baru."


def test_a_bulletin_checks_its_version_through_edit_workflow_and_follow_up(
    api, bpbd, make_bulletin
):
    item = make_bulletin(until="draft")
    editor, verifier = api(user=bpbd.editor), api(user=bpbd.verifier)
    assert editor.gql(BULLETIN, {"id": item.pk})["data"]["bulletin"]["version"] == 1
    update = """mutation($id: Int!, $v: Int) {
        bulletinUpdate(id: $id, input: {severity: "Minor"}, expectedVersion: $v) {
            bulletin { version } errors { code }
        }
    }"""
    assert _run(editor, update, "bulletinUpdate", {"id": item.pk, "v": 1})["bulletin"] == {
        "version": 2
    }
    _refused(
        _run(editor, update.replace("Minor", "Severe"), "bulletinUpdate", {"id": item.pk, "v": 1})
    )
    assert Bulletin.objects.get(pk=item.pk).severity == "Minor"

    move = """mutation($id: Int!, $v: Int) {
        %s(id: $id, expectedVersion: $v) { bulletin { status version } errors { code } }
    }"""
    _refused(_run(editor, move % "bulletinSubmit", "bulletinSubmit", {"id": item.pk, "v": 1}))
    for name, client, version in [
        ("bulletinSubmit", editor, 2),
        ("bulletinApprove", verifier, 3),
        ("bulletinPublish", verifier, 4),
    ]:
        moved = _run(client, move % name, name, {"id": item.pk, "v": version})
        assert moved["errors"] == [] and moved["bulletin"]["version"] == version + 1, moved
    published = Bulletin.objects.get(pk=item.pk)
    assert (published.status, published.version) == ("published", 5)

    follow_up = """mutation($id: Int!, $v: Int) {
        bulletinCorrect(id: $id, changes: {severity: "Moderate"}, expectedVersion: $v) {
            bulletin { databaseId status version } errors { code }
        }
    }"""
    _refused(_run(editor, follow_up, "bulletinCorrect", {"id": item.pk, "v": 4}))
    assert not Bulletin.objects.filter(references__contains=[published.identifier]).exists()
    drafted = _run(editor, follow_up, "bulletinCorrect", {"id": item.pk, "v": 5})
    assert drafted["bulletin"]["status"] == "DRAFT" and drafted["bulletin"]["version"] == 1
    # Drafting the follow-up leaves the published bulletin as it was.
    assert Bulletin.objects.get(pk=item.pk).version == 5

    # Publishing the Update supersedes the original: its version counts that too.
    update_pk = drafted["bulletin"]["databaseId"]
    for name, client in [
        ("bulletinSubmit", editor),
        ("bulletinApprove", verifier),
        ("bulletinPublish", verifier),
    ]:
        assert _run(client, move % name, name, {"id": update_pk})["errors"] == []
    superseded = Bulletin.objects.get(pk=item.pk)
    assert (superseded.status, superseded.version) == ("superseded", 6)

    withdraw = """mutation($id: Int!, $v: Int) {
        bulletinWithdraw(id: $id, reason: "Terbit keliru.", expectedVersion: $v) {
            bulletin { status version } errors { code }
        }
    }"""
    _refused(_run(verifier, withdraw, "bulletinWithdraw", {"id": item.pk, "v": 5}))
    gone = _run(verifier, withdraw, "bulletinWithdraw", {"id": item.pk, "v": 6})
    assert gone["bulletin"] == {"status": "WITHDRAWN", "version": 7}, gone
    # The change feed carries each version once, in order; refused writes left none.
    events = ChangeEvent.objects.filter(entity="bulletin", entity_id=str(item.pk))
    assert list(events.order_by("id").values_list("version", flat=True)) == list(range(1, 8))


def test_a_published_bulletin_still_refuses_content_changes_in_the_database(bpbd, make_bulletin):
    """The frozen-content trigger lets the counter move with the status, nothing else."""
    item = make_bulletin()
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.filter(pk=item.pk).update(version=9, severity="Minor")
    with transaction.atomic():
        Bulletin.objects.filter(pk=item.pk).update(version=9)
    assert Bulletin.objects.get(pk=item.pk).version == 9


def test_services_check_the_count_too(desk, make_clarification):
    """REST sends If-Match instead; the count is the same lock for any caller of a service."""
    item = make_clarification(until="draft")
    editor = principal(desk.editor)
    services.clarification_submit(principal=editor, clarification=item, expected_revision=1)
    with pytest.raises(PreconditionFailed) as refused:
        services.clarification_reject(
            principal=principal(desk.verifier), clarification=item, expected_revision=1
        )
    assert refused.value.extra == {"current_revision": 2}


def test_rest_shows_the_same_counts(api, desk, bpbd, make_clarification, make_bulletin):
    """REST writes are guarded by If-Match; its representations carry the counts too."""
    item = make_clarification()  # created, submitted, approved, published
    reader = api(user=desk.editor)
    body = reader.get(f"/api/v1/clarifications/{item.pk}/").json()
    assert (body["version"], body["revision"]) == (1, 4)
    bulletin = make_bulletin()
    assert api(user=bpbd.editor).get(f"/api/v1/bulletins/{bulletin.pk}/").json()["version"] == 4
