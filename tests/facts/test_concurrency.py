"""Two editors change the same draft from the same ETag or revision: one wins, one gets 412."""

from __future__ import annotations

import pytest

from hub.facts import services
from hub.facts.models import ClarificationVersion
from tests.facts.conftest import principal
from tests.support.concurrency import Held, started, wait_until_blocked

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_a_draft_edited_from_a_stale_etag_while_another_edit_commits_answers_412(
    desk, make_clarification, api
):
    item = make_clarification(until="draft")
    client = api(user=desk.editor_verifier)
    url = f"/api/v1/clarifications/{item.pk}/"
    etag = client.get(url)["ETag"]
    with Held(
        lambda: services.clarification_update(
            principal=principal(desk.editor), clarification=item, data={"body": "Isi pertama."}
        )
    ) as first:
        second = started(lambda: client.patch(url, {"body": "Isi kedua."}, HTTP_IF_MATCH=etag))
        wait_until_blocked(also=second)
        first.release()
        response = second.result(30)
    assert response.status_code == 412, response.content
    assert response.json()["code"] == "precondition_failed"
    current = client.get(url)
    assert response.json()["current_etag"] == current["ETag"]
    assert current.json()["body"] == "Isi pertama."
    assert ClarificationVersion.objects.get(clarification=item).body == "Isi pertama."


def test_a_graphql_edit_naming_a_revision_another_edit_is_moving_past_is_refused(
    desk, make_clarification, api
):
    item = make_clarification(until="draft")
    client = api(user=desk.editor_verifier)
    update = """mutation($id: Int!) {
        clarificationUpdate(id: $id, input: {body: "Isi kedua."}, expectedRevision: 1) {
            clarification { revision } errors { code }
        }
    }"""
    with Held(
        lambda: services.clarification_update(
            principal=principal(desk.editor), clarification=item, data={"body": "Isi pertama."}
        )
    ) as first:
        second = started(lambda: client.gql(update, {"id": item.pk}))
        wait_until_blocked(also=second)  # read revision 1, waits for the first edit's lock
        first.release()
        payload = second.result(30)["data"]["clarificationUpdate"]
    assert payload == {"clarification": None, "errors": [{"code": "precondition_failed"}]}
    assert ClarificationVersion.objects.get(clarification=item).body == "Isi pertama."


def test_simultaneous_corrections_start_one_and_the_others_answer_409(
    desk, make_clarification, api
):
    """Requests that waited for the lock see the correction the first one started."""
    item = make_clarification()
    url = f"/api/v1/clarifications/{item.pk}/correct/"
    clients = [api(user=desk.editor) for _ in range(3)]
    with Held(
        lambda: services.clarification_correct(
            principal=principal(desk.editor),
            clarification=item,
            data={},
            correction_note="Sumber diperbarui.",
        )
    ) as first:
        others = [
            started(lambda client=client: client.post(url, {"correction_note": "Koreksi lain."}))
            for client in clients
        ]
        wait_until_blocked(len(others))
        first.release()
        responses = [other.result(30) for other in others]
    for response in responses:
        assert response.status_code == 409, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "correction_in_progress" and body["working_version"] == 2
    notes = ClarificationVersion.objects.filter(clarification=item).values_list(
        "number", "correction_note"
    )
    assert sorted(notes) == [(1, ""), (2, "Sumber diperbarui.")]
    current = api(user=desk.editor).get(f"/api/v1/clarifications/{item.pk}/").json()
    assert current["working_version"] == 2
