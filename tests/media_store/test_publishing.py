"""Publishing shares an asset; the rules (alt text, UU PDP legal basis) hold on REST and GraphQL."""

from __future__ import annotations

import pytest

from hub.models import ChangeEvent
from tests.media_store.conftest import assert_problem, jpeg, upload

pytestmark = pytest.mark.django_db

PUBLISH = """mutation($id: Int!) {
  mediaAssetPublish(id: $id) { asset { publishedAt } errors { field code } }
}"""


@pytest.fixture
def processed(local_storage, agency_team, api, run_jobs):
    def make(**fields):
        team = agency_team()
        response = upload(api(user=team.editor), jpeg((640, 480)), "foto.jpg", **fields)
        assert response.status_code == 201, response.content
        run_jobs()
        return team, response.json()["id"]

    return make


def test_only_verifiers_publish(processed, api, agency_team):
    team, asset_id = processed(alt_text="Petugas membagikan masker")
    assert_problem(
        api(user=team.editor).post(f"/api/v1/media/{asset_id}/publish/"), 403, "permission_denied"
    )
    other = agency_team()
    assert_problem(
        api(user=other.verifier).post(f"/api/v1/media/{asset_id}/publish/"), 404, "not_found"
    )
    published = api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    event = ChangeEvent.objects.filter(entity="media_asset", entity_id=str(asset_id)).last()
    assert event.action == "published" and event.data["published"] is True
    # Shared with every agency now, and the viewer of another agency sees it in lists.
    listed = api(user=other.viewer).get("/api/v1/media/").json()["results"]
    assert [item["id"] for item in listed] == [asset_id]


def test_images_need_alt_text(processed, api):
    team, asset_id = processed()
    body = assert_problem(
        api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/"), 400, "validation_failed"
    )
    assert body["errors"][0] == {
        "field": "alt_text",
        "code": "alt_text_required",
        "message": body["errors"][0]["message"],
    }
    gql = api(user=team.verifier).gql(PUBLISH, {"id": asset_id})["data"]["mediaAssetPublish"]
    assert gql["errors"] == [{"field": "alt_text", "code": "alt_text_required"}]
    api(user=team.editor).patch(f"/api/v1/media/{asset_id}/", {"alt_text": "Banjir di Demak"})
    gql = api(user=team.verifier).gql(PUBLISH, {"id": asset_id})["data"]["mediaAssetPublish"]
    assert gql["errors"] == [] and gql["asset"]["publishedAt"]


def test_people_in_the_picture_need_a_recorded_legal_basis(processed, api):
    team, asset_id = processed(alt_text="Warga mengantre", contains_identifiable_people="true")
    verifier, editor = api(user=team.verifier), api(user=team.editor)
    body = assert_problem(
        verifier.post(f"/api/v1/media/{asset_id}/publish/"), 400, "validation_failed"
    )
    assert body["errors"][0]["code"] == "legal_basis_required"
    editor.patch(
        f"/api/v1/media/{asset_id}/",
        {"legal_basis": "consent", "legal_basis_reference": "Formulir persetujuan 17/2026"},
    )
    assert verifier.post(f"/api/v1/media/{asset_id}/publish/").status_code == 200
    # Once published, the basis cannot be taken away.
    refused = editor.patch(f"/api/v1/media/{asset_id}/", {"legal_basis": ""})
    assert assert_problem(refused, 400, "validation_failed")["errors"][0]["field"] == "legal_basis"


def test_minors_need_a_guardians_consent(processed, api):
    team, asset_id = processed(
        alt_text="Siswa SD belajar mitigasi gempa",
        contains_minors="true",
        legal_basis="public_task",
        legal_basis_reference="Surat tugas 5/2026",
    )
    body = assert_problem(
        api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/"), 400, "validation_failed"
    )
    assert body["errors"][0]["code"] == "guardian_consent_required"
    api(user=team.editor).patch(
        f"/api/v1/media/{asset_id}/",
        {"legal_basis": "guardian_consent", "legal_basis_reference": "Izin orang tua, 12 lembar"},
    )
    assert api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/").status_code == 200


def test_if_match_protects_against_lost_updates(processed, api):
    team, asset_id = processed()
    client = api(user=team.editor)
    etag = client.get(f"/api/v1/media/{asset_id}/")["ETag"]
    assert (
        client.patch(f"/api/v1/media/{asset_id}/", {"title": "A"}, HTTP_IF_MATCH=etag).status_code
        == 200
    )
    stale = client.patch(f"/api/v1/media/{asset_id}/", {"title": "B"}, HTTP_IF_MATCH=etag)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(f"/api/v1/media/{asset_id}/").json()["title"] == "A"


def test_a_new_focal_point_recrops_the_renditions(processed, api, run_jobs):
    team, asset_id = processed(alt_text="x")
    client = api(user=team.editor)
    before = {
        (r["name"], r["format"]): r["sha256"]
        for r in client.get(f"/api/v1/media/{asset_id}/").json()["renditions"]
    }
    client.patch(f"/api/v1/media/{asset_id}/", {"focal_x": 0.0, "focal_y": 0.0})
    assert run_jobs() >= 1
    after = {
        (r["name"], r["format"]): r["sha256"]
        for r in client.get(f"/api/v1/media/{asset_id}/").json()["renditions"]
    }
    assert after[("thumbnail", "webp")] == before[("thumbnail", "webp")]  # not cropped
    assert after[("story", "webp")] != before[("story", "webp")]  # cropped around the new point


def test_delete_needs_the_right_and_hides_the_asset(processed, api):
    team, asset_id = processed()
    assert_problem(
        api(user=team.viewer).delete(f"/api/v1/media/{asset_id}/"), 403, "permission_denied"
    )
    gql = api(user=team.editor).gql(
        "mutation($id: Int!) { mediaAssetDelete(id: $id) { ok errors { code } } }", {"id": asset_id}
    )
    assert gql["data"]["mediaAssetDelete"] == {"ok": True, "errors": []}
    assert_problem(api(user=team.editor).get(f"/api/v1/media/{asset_id}/"), 404, "not_found")
    event = ChangeEvent.objects.filter(entity="media_asset", entity_id=str(asset_id)).last()
    assert event.action == "deleted" and event.data == {"id": asset_id, "deleted": True}
