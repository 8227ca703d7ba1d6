"""Writes that race each other: the loser gets a clear answer and nothing is lost.

Each test holds one side in an open transaction (another thread, its own
connection) and lets PostgreSQL report the other side waiting for its lock
before releasing it, so the interleaving is the same on every run.
"""

from __future__ import annotations

import hashlib
import threading

import pytest

from media_store import services
from media_store.models import Blob, MediaAsset
from tests.media_store.conftest import assert_problem, jpeg, upload
from tests.support.concurrency import Held, started, wait_until_blocked

pytestmark = pytest.mark.django_db(transaction=True)


def _asset(team, api, **fields) -> MediaAsset:
    response = upload(api(user=team.editor), jpeg((640, 480)), "banjir.jpg", **fields)
    assert response.status_code == 201, response.content
    return MediaAsset.objects.get(pk=response.json()["id"])


def _editor(team):
    from agencies.policy import principal_for_user

    return principal_for_user(team.editor)


def test_two_changes_made_from_the_same_etag_cannot_both_win(local_storage, agency_team, api):
    team = agency_team()
    asset = _asset(team, api, title="Banjir")
    client = api(user=team.editor)
    etag = client.get(f"/api/v1/media/{asset.pk}/")["ETag"]

    # Another request read the same representation and is writing it now.
    with Held(
        lambda: services.asset_update(
            principal=_editor(team), asset=asset, data={"title": "Banjir bandang"}
        )
    ) as first:
        second = started(
            lambda: client.patch(
                f"/api/v1/media/{asset.pk}/", {"title": "Banjir rob"}, HTTP_IF_MATCH=etag
            )
        )
        wait_until_blocked(also=second)
        first.release()
        response = second.result(30)

    body = assert_problem(response, 412, "precondition_failed")
    assert body["current_etag"] == client.get(f"/api/v1/media/{asset.pk}/")["ETag"]
    asset.refresh_from_db()
    assert (asset.title, asset.version) == ("Banjir bandang", 2)


def test_a_delete_from_an_etag_another_change_just_made_stale_answers_412(
    local_storage, agency_team, api
):
    team = agency_team()
    asset = _asset(team, api, title="Gempa")
    client = api(user=team.editor)
    etag = client.get(f"/api/v1/media/{asset.pk}/")["ETag"]
    with Held(
        lambda: services.asset_update(principal=_editor(team), asset=asset, data={"title": "x"})
    ) as first:
        deleting = started(lambda: client.delete(f"/api/v1/media/{asset.pk}/", HTTP_IF_MATCH=etag))
        wait_until_blocked(also=deleting)
        first.release()
        response = deleting.result(30)
    assert_problem(response, 412, "precondition_failed")
    assert MediaAsset.objects.filter(pk=asset.pk).exists()  # not deleted from a stale view


def test_a_change_to_an_asset_deleted_meanwhile_answers_404(local_storage, agency_team, api):
    team = agency_team()
    asset = _asset(team, api)
    client = api(user=team.editor)
    with Held(lambda: services.asset_delete(principal=_editor(team), asset=asset)) as deleting:
        change = started(lambda: client.patch(f"/api/v1/media/{asset.pk}/", {"title": "Baru"}))
        wait_until_blocked(also=change)
        deleting.release()
        response = change.result(30)
    assert_problem(response, 404, "not_found")
    assert MediaAsset.all_objects.get(pk=asset.pk).status == MediaAsset.Status.DELETED


def test_an_upload_racing_the_collection_of_its_blob_stores_the_bytes_again(
    storage_backend, agency_team, api, monkeypatch
):
    """The blob of a deleted asset is being collected while the same bytes arrive again."""
    team, other = agency_team(), agency_team()
    data = jpeg((640, 480), color=(10, 90, 160))
    asset = MediaAsset.objects.get(pk=upload(api(user=team.editor), data).json()["id"])
    services.asset_delete(principal=_editor(team), asset=asset)
    key = Blob.objects.get(sha256=asset.sha256).key

    # Collection locks the blob row, then counts its references only once the
    # upload of the same bytes waits behind that lock.
    counted = services.blob_references
    locked = threading.Event()

    def count_once_the_upload_waits(blob):
        locked.set()
        wait_until_blocked()
        return counted(blob)

    monkeypatch.setattr(services, "blob_references", count_once_the_upload_waits)
    collecting = started(lambda: services.blob_collect(key=key))
    assert locked.wait(30)
    uploading = started(lambda: upload(api(user=other.editor), data, "lagi.jpg"))
    assert collecting.result(30) is True  # nothing referred to it when it was counted
    response = uploading.result(30)

    assert response.status_code == 201, response.content
    again = MediaAsset.objects.get(pk=response.json()["id"])
    blob = Blob.objects.get(key=key)
    assert again.sha256 == asset.sha256 == blob.sha256
    assert storage_backend.raw_read(blob.location) == data


def test_a_graphql_change_to_an_asset_deleted_meanwhile_is_a_typed_not_found(
    local_storage, agency_team, api
):
    team = agency_team()
    asset = _asset(team, api)
    mutation = """
    mutation($id: Int!, $input: MediaAssetInput!) {
      mediaAssetUpdate(id: $id, input: $input) { asset { title } errors { field code } }
    }"""
    client = api(user=team.editor)
    with Held(lambda: services.asset_delete(principal=_editor(team), asset=asset)) as deleting:
        change = started(lambda: client.gql(mutation, {"id": asset.pk, "input": {"title": "B"}}))
        wait_until_blocked(also=change)
        deleting.release()
        payload = change.result(30)["data"]["mediaAssetUpdate"]
    assert payload == {"asset": None, "errors": [{"field": None, "code": "not_found"}]}


def _service_upload(team, data: bytes, filename: str) -> MediaAsset:
    asset, created = services.asset_upload_stream(
        principal=_editor(team), agency=team.agency, chunks=[data], filename=filename
    )
    assert created
    return asset


def test_the_same_file_sent_twice_at_once_by_one_agency_is_one_asset(
    storage_backend, agency_team, api
):
    team = agency_team()
    data = jpeg((640, 480), color=(200, 120, 10))
    with Held(lambda: _service_upload(team, data, "posko.jpg")) as first:
        second = started(lambda: upload(api(user=team.editor), data, "posko-lagi.jpg"))
        wait_until_blocked(also=second)  # behind the agency's upload lock
        asset = first.release()
        response = second.result(30)

    assert response.status_code == 200, response.content
    assert response["X-Simpul-Duplicate"] == "true"
    assert response.json()["id"] == asset.pk
    assert MediaAsset.objects.count() == 1 and Blob.objects.count() == 1
    # The second copy, already written when the duplicate was found, is gone.
    assert storage_backend.objects() == [Blob.objects.get().location]


def test_the_same_new_file_sent_at_once_by_two_agencies_is_one_blob_and_two_assets(
    storage_backend, agency_team, api
):
    team, other = agency_team(), agency_team()
    data = jpeg((640, 480), color=(20, 160, 90))
    with Held(lambda: _service_upload(team, data, "peta.jpg")) as first:
        second = started(lambda: upload(api(user=other.editor), data, "peta.jpg"))
        wait_until_blocked(also=second)  # behind the first upload's new blob row
        first.release()
        response = second.result(30)

    assert response.status_code == 201, response.content
    assert MediaAsset.objects.count() == 2
    blob = Blob.objects.get()
    assert storage_backend.objects() == [blob.location]
    assert storage_backend.raw_read(blob.location) == data


def test_two_uploads_at_once_cannot_both_fit_in_the_last_of_the_quota(
    storage_backend, settings, agency_team, api
):
    team = agency_team()
    first, second = jpeg((300, 300), color=(1, 2, 3)), jpeg((300, 300), color=(9, 9, 9))
    settings.HUB_MEDIA_QUOTA_BYTES = len(first) + len(second) // 2
    with Held(lambda: _service_upload(team, first, "a.jpg")) as holding:
        racing = started(lambda: upload(api(user=team.editor), second, "b.jpg"))
        wait_until_blocked(also=racing)  # the quota is counted behind the agency's lock
        asset = holding.release()
        response = racing.result(30)

    body = assert_problem(response, 413, "quota_exceeded")
    assert body["used"] == len(first)
    assert list(MediaAsset.objects.values_list("pk", flat=True)) == [asset.pk]
    assert storage_backend.objects() == [Blob.objects.get().location]


def test_a_resumable_upload_takes_one_writer_at_a_time(local_storage, agency_team, api):
    from django.db import connection

    team = agency_team()
    client = api(user=team.editor)
    data = jpeg((320, 240))
    created = client.client.post(
        "/api/v1/media/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_TUS_RESUMABLE="1.0.0",
    )
    assert created.status_code == 201, created.content
    path = created["Location"].split("testserver", 1)[-1]
    upload_id = path.rstrip("/").rsplit("/", 1)[-1]

    def send():
        return client.client.generic(
            "PATCH",
            path,
            data,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            HTTP_TUS_RESUMABLE="1.0.0",
        )

    def write_lock():
        # What a request appending to this upload holds (services._upload_lock).
        from media_store.models import MediaUpload

        key = int.from_bytes(MediaUpload.objects.get(pk=upload_id).id.bytes[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])

    with Held(write_lock):
        busy = started(send).result(30)
    body = assert_problem(busy, 409, "upload_locked")
    assert body["detail"]
    done = send()  # the other writer is gone (its session ended): this one goes through
    assert done.status_code == 204, done.content
    assert done["Upload-Offset"] == str(len(data))
    assert MediaAsset.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_the_database_going_away_mid_upload_answers_503_and_keeps_no_object(
    storage_backend, agency_team, api
):
    """The file is already in storage when the database connection is cut (a failover)."""
    from django.db import connection

    team = agency_team()
    client = api(user=team.editor)
    data = jpeg((640, 480), color=(120, 30, 200))
    # Another upload of this agency holds its upload lock; ours waits behind it
    # with its file written, and its database session is then ended by the server.
    lock = Held(lambda: services.lock_agency_usage(team.agency.pk))
    with lock:
        uploading = started(lambda: upload(client, data, "genangan.jpg"))
        wait_until_blocked(also=uploading)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        response = uploading.result(30)

    body = assert_problem(response, 503, "database_unavailable")
    assert body["detail"] and int(response["Retry-After"]) > 0
    assert not MediaAsset.all_objects.exists() and not Blob.objects.exists()
    assert storage_backend.objects() == []
    # The next upload gets a new connection and goes through.
    assert upload(client, data, "genangan.jpg").status_code == 201
