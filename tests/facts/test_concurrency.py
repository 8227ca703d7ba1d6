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
