"""Uploading media over REST, on both storage backends: from bytes to ready renditions.

Covers the acceptance criteria of the media store: ready with every rendition,
no EXIF/GPS in what is published, originals private to their agency,
identical bytes stored once, and refused input leaving nothing behind.
"""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.test.client import encode_multipart
from PIL import Image
from rest_framework.test import APIClient

from agencies import policy
from media_store.models import Blob, MediaAsset, Rendition
from media_store.processing import EXPECTED_RENDITIONS
from media_store.storage import original_key
from tests.media_store.conftest import (
    BOUNDARY,
    DroppedBody,
    assert_problem,
    content,
    fetch,
    heic_from_a_phone,
    jpeg,
    jpeg_with_metadata,
    nothing_stored,
    png,
    upload,
)

pytestmark = pytest.mark.django_db

SHAPES = {
    "thumbnail": (320, 240),
    "web": (1280, 960),
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "story": (1080, 1920),
    "landscape": (1200, 675),
    "link_preview": (1200, 630),
}


def _publish(api, team, asset_id: int) -> dict:
    response = api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/")
    assert response.status_code == 200, response.content
    return response.json()


def test_upload_becomes_ready_with_every_rendition(storage_backend, agency_team, api, run_jobs):
    team = agency_team("bnpb")
    client = api(user=team.editor)
    data = jpeg((1600, 1200))
    response = upload(
        client, data, "banjir.jpg", title="Banjir Demak", alt_text="Air setinggi lutut"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "processing" and created["renditions"] == []
    assert created["sha256"] == hashlib.sha256(data).hexdigest()
    assert (created["kind"], created["mime"], created["size"]) == ("image", "image/jpeg", len(data))
    assert response["Location"].endswith(f"/api/v1/media/{created['id']}/")

    assert run_jobs() >= 1
    asset = client.get(f"/api/v1/media/{created['id']}/").json()
    assert asset["status"] == "ready", asset["status_detail"]
    assert (asset["width"], asset["height"]) == (1600, 1200)
    assert len(asset["phash"]) == 16
    renditions = asset["renditions"]
    assert len(renditions) == EXPECTED_RENDITIONS == 14
    assert {(r["name"], r["format"]) for r in renditions} == {
        (name, fmt) for name in SHAPES for fmt in ("webp", "jpeg")
    }
    for rendition in renditions:
        assert (rendition["width"], rendition["height"]) == SHAPES[rendition["name"]]
        status, body, headers = fetch(client, rendition["url"])
        assert status == 200, (rendition["url"], body[:200])
        assert hashlib.sha256(body).hexdigest() == rendition["sha256"]
        assert len(body) == rendition["size"]
        with Image.open(io.BytesIO(body)) as image:
            assert image.size == SHAPES[rendition["name"]]
            assert image.format == ("WEBP" if rendition["format"] == "webp" else "JPEG")


def test_published_renditions_carry_no_exif_or_gps(storage_backend, agency_team, api, run_jobs):
    team = agency_team()
    data = jpeg_with_metadata()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload does carry GPS
    response = upload(api(user=team.editor), data, "IMG_0042.JPG", alt_text="Posko bantuan")
    asset_id = response.json()["id"]
    run_jobs()
    asset = _publish(api, team, asset_id)
    assert asset["published_at"] and len(asset["renditions"]) == 14

    # The stored original is untouched (it stays private to the agency)...
    stored = storage_backend.raw_read(
        Blob.objects.get(key=original_key(hashlib.sha256(data).hexdigest())).location
    )
    assert stored == data
    # ...while nothing of its metadata reaches a rendition.
    reader = api(user=agency_team().viewer)
    for rendition in reader.get(f"/api/v1/media/{asset_id}/").json()["renditions"]:
        status, body, _ = fetch(reader, rendition["url"])
        assert status == 200
        for marker in (b"Exif\x00\x00", b"GPS", b"Canon", b"SN-0042", b"xmpmeta", b"Sukamaju"):
            assert marker not in body, (rendition["name"], rendition["format"], marker)
        with Image.open(io.BytesIO(body)) as image:
            assert not image.getexif()
            assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info)


def test_a_heic_photo_from_a_phone_gets_jpeg_and_webp_renditions_without_its_metadata(
    storage_backend, agency_team, api, run_jobs
):
    team = agency_team()
    data = heic_from_a_phone()
    response = upload(api(user=team.editor), data, "IMG_1234.HEIC", alt_text="Banjir di Malang")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["mime"], created["kind"]) == ("image/heic", "image")
    assert (created["width"], created["height"]) == (1200, 1600)
    run_jobs()
    asset = _publish(api, team, created["id"])
    assert asset["status"] == "ready" and len(asset["renditions"]) == 14
    assert asset["phash"]

    reader = api(user=agency_team().viewer)
    for rendition in reader.get(f"/api/v1/media/{created['id']}/").json()["renditions"]:
        status, body, _ = fetch(reader, rendition["url"])
        assert status == 200
        for marker in (b"Exif\x00\x00", b"GPS", b"Apple", b"iPhone", b"SN-IPHONE"):
            assert marker not in body, (rendition["name"], rendition["format"], marker)
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == ("WEBP" if rendition["format"] == "webp" else "JPEG")
            assert not image.getexif()
            if rendition["name"] == "web":  # fitted, not cropped: still portrait
                assert image.size == (960, 1280)
    # The original stays as it was sent, for its agency only.
    stored = storage_backend.raw_read(
        Blob.objects.get(key=original_key(hashlib.sha256(data).hexdigest())).location
    )
    assert stored == data


def test_original_is_readable_by_its_agency_only(storage_backend, agency_team, api, run_jobs):
    owner, other = agency_team("kominfo"), agency_team("bmkg")
    data = jpeg((900, 700))
    asset_id = upload(
        api(user=owner.editor), data, "rapat.jpg", alt_text="Rapat koordinasi"
    ).json()["id"]
    run_jobs()
    _publish(api, owner, asset_id)

    mine = api(user=owner.viewer)
    theirs = api(user=other.editor)
    own_view = mine.get(f"/api/v1/media/{asset_id}/").json()
    assert own_view["original_url"]
    status, body, _ = fetch(mine, own_view["original_url"])
    assert status == 200 and body == data
    response = mine.get(f"/api/v1/media/{asset_id}/download/original/")
    assert response.status_code == 200 and content(response) == data
    assert response["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response["Content-Disposition"].startswith("attachment;")

    shared_view = theirs.get(f"/api/v1/media/{asset_id}/").json()
    assert shared_view["original_url"] is None
    assert len(shared_view["renditions"]) == 14  # the published renditions are shared
    assert_problem(theirs.get(f"/api/v1/media/{asset_id}/download/original/"), 404, "not_found")
    gql = theirs.gql("query($id: Int!) { mediaAsset(id: $id) { originalUrl } }", {"id": asset_id})
    assert gql["data"]["mediaAsset"]["originalUrl"] is None
    # An agency system of the other agency cannot either.
    key = api(key=_key(other, "content:read"))
    assert_problem(key.get(f"/api/v1/media/{asset_id}/download/original/"), 404, "not_found")


def _key(team, *scopes) -> str:
    from agencies.services import apikey_create
    from tests.conftest import PLATFORM

    _, secret = apikey_create(
        principal=PLATFORM, agency=team.agency, name="sistem", scopes=list(scopes)
    )
    return secret


def test_unpublished_asset_is_invisible_to_other_agencies(
    local_storage, agency_team, api, run_jobs
):
    owner, other = agency_team(), agency_team()
    asset_id = upload(api(user=owner.editor), jpeg((400, 300)), alt_text="Draf").json()["id"]
    run_jobs()
    assert_problem(api(user=other.editor).get(f"/api/v1/media/{asset_id}/"), 404, "not_found")
    assert api(user=other.editor).get("/api/v1/media/").json()["results"] == []
    assert_problem(api().get(f"/api/v1/media/{asset_id}/"), 404, "not_found")


def test_same_bytes_from_two_agencies_are_one_blob_and_two_assets(
    storage_backend, agency_team, api, run_jobs
):
    first, second = agency_team("bpbd-jatim"), agency_team("bpbd-jateng")
    data = jpeg((1000, 800), color=(50, 50, 200))
    one = upload(api(user=first.editor), data, "peta.jpg", alt_text="Peta rawan")
    two = upload(api(user=second.editor), data, "peta-jateng.jpg", alt_text="Peta rawan")
    assert one.status_code == 201 and two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    assert one.json()["sha256"] == two.json()["sha256"]
    run_jobs()
    assert Blob.objects.filter(role="original").count() == 1
    originals = storage_backend.objects("originals/") + storage_backend.objects("uploads/")
    assert len(originals) == 1
    assert MediaAsset.objects.count() == 2
    # Identical renditions are shared too (same focal point, same bytes).
    assert Blob.objects.filter(role="rendition").count() == 14

    # Deleting one asset leaves the other whole.
    deleted = api(user=first.editor).delete(f"/api/v1/media/{one.json()['id']}/")
    assert deleted.status_code == 204
    run_jobs()
    assert_problem(
        api(user=first.editor).get(f"/api/v1/media/{one.json()['id']}/"), 404, "not_found"
    )
    remaining = api(user=second.editor)
    response = remaining.get(f"/api/v1/media/{two.json()['id']}/download/original/")
    assert response.status_code == 200 and content(response) == data
    for rendition in remaining.get(f"/api/v1/media/{two.json()['id']}/").json()["renditions"]:
        assert fetch(remaining, rendition["url"])[0] == 200
    assert storage_backend.objects("originals/") + storage_backend.objects("uploads/") == originals

    # Deleting the last one frees the storage.
    api(user=second.editor).delete(f"/api/v1/media/{two.json()['id']}/")
    run_jobs()
    assert not Blob.objects.exists()
    assert storage_backend.objects() == []
    assert MediaAsset.all_objects.filter(status="deleted").count() == 2  # the rows stay for audit


def test_reupload_of_the_same_bytes_answers_the_existing_asset(storage_backend, agency_team, api):
    team = agency_team()
    data = png()
    first = upload(api(user=team.editor), data, "logo.png")
    again = upload(api(user=team.editor), data, "logo-copy.png", title="Lain")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["X-Simpul-Duplicate"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"].endswith(f"/api/v1/media/{first.json()['id']}/")
    assert MediaAsset.objects.count() == 1
    # The second copy was received, then discarded once it had been written.
    stored = storage_backend.objects("originals/") + storage_backend.objects("uploads/")
    assert len(stored) == 1
    assert storage_backend.objects("tmp/") == []


def test_the_upload_answer_is_the_asset_as_read_back(storage_backend, agency_team, api):
    client = api(user=agency_team().editor)
    created = upload(client, jpeg((400, 300)), "sama.jpg", title="Sama", tags="a,b")
    assert created.status_code == 201
    again = client.get(created["Location"])
    assert again.status_code == 200
    assert created.json() == again.json()
    assert created.json()["original_url"]
    second = upload(client, jpeg((300, 400)), "lain.jpg")
    assert client.get(second["Location"]).json() == second.json() != created.json()


def test_agency_systems_upload_with_an_api_key(storage_backend, agency_team, api):
    team = agency_team()
    client = api(key=_key(team, "media:write", "content:read"))
    response = upload(client, jpeg((300, 300)), "dari-sistem.jpg")
    assert response.status_code == 201
    assert response.json()["agency"] == team.agency.slug
    no_scope = api(key=_key(team, "content:read"))
    assert_problem(upload(no_scope, png(), "x.png"), 403, "permission_denied")
    assert MediaAsset.objects.count() == 1


def test_viewers_may_not_upload_and_nothing_is_read(local_storage, agency_team, api):
    team = agency_team()
    assert_problem(upload(api(user=team.viewer), jpeg(), "x.jpg"), 403, "permission_denied")
    assert_problem(upload(api(), jpeg(), "x.jpg"), 401, "not_authenticated")
    assert nothing_stored(local_storage)


def test_session_upload_with_csrf_reads_the_body_once(local_storage, agency_team):
    team = agency_team()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.editor)
    client.get("/api/v1/media/")  # any response; the CSRF cookie is set by Django on demand
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    body = encode_multipart(BOUNDARY, {"file": _named(jpeg((200, 100)), "a.jpg"), "title": "A"})
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    refused = client.generic("POST", "/api/v1/media/", body, content_type=content_type)
    assert refused.status_code == 403
    accepted = client.generic(
        "POST",
        "/api/v1/media/",
        body,
        content_type=content_type,
        HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret),
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["title"] == "A" and accepted.json()["width"] == 200


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_metadata_is_taken_from_the_form(local_storage, agency_team, api):
    team = agency_team()
    collection = (
        api(user=team.editor).post("/api/v1/media-collections/", {"title": "Banjir 2026"}).json()
    )
    response = upload(
        api(user=team.editor),
        jpeg((640, 480)),
        "../../../etc/passwd.jpg",
        title="Evakuasi warga",
        description="Tim SAR mengevakuasi warga.",
        alt_text="Perahu karet di jalan yang tergenang",
        language="id",
        tags="banjir, evakuasi,SAR",
        credit="Humas BNPB",
        copyright_holder="BNPB",
        captured_at="2026-01-05T08:30:00+07:00",
        visibility="public",
        contains_identifiable_people="true",
        legal_basis="public_task",
        legal_basis_reference="SK Kepala BNPB No. 12/2026",
        focal_x="0.25",
        focal_y="0.4",
        collections=str(collection["id"]),
    )
    assert response.status_code == 201, response.content
    asset = response.json()
    assert asset["original_filename"] == "passwd.jpg"
    assert asset["tags"] == ["banjir", "evakuasi", "SAR"]
    assert asset["license"] == "CC-BY-4.0"
    assert (asset["focal_x"], asset["focal_y"]) == (0.25, 0.4)
    assert asset["contains_identifiable_people"] is True
    assert asset["captured_at"].startswith("2026-01-05T01:30:00")
    listed = api(user=team.editor).get(f"/api/v1/media/?collection={collection['id']}").json()
    assert [item["id"] for item in listed["results"]] == [asset["id"]]
    response = api(user=team.editor).get(f"/api/v1/media/{asset['id']}/download/original/")
    assert response["Content-Disposition"] == (
        "attachment; filename=\"passwd.jpg\"; filename*=UTF-8''passwd.jpg"
    )


def _too_large(settings):
    settings.HUB_MEDIA_MAX_UPLOAD = 100_000
    return b"%PDF-1.7\n" + b"0" * 3_000_000, "laporan.pdf", {}


def _too_large_while_streaming(settings):
    settings.HUB_MEDIA_MAX_UPLOAD = 100_000  # under the multipart allowance: caught mid-stream
    return b"%PDF-1.7\n" + b"0" * 300_000, "laporan.pdf", {}


def _bomb(settings):
    settings.HUB_MEDIA_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, "PNG")
    return out.getvalue(), "bom.png", {}


def _truncated_jpeg(settings):
    data = jpeg((1200, 900))
    return data[: len(data) // 2], "rusak.jpg", {}


BAD_INPUTS = {
    "too_large": (_too_large, 413, "payload_too_large"),
    "too_large_while_streaming": (_too_large_while_streaming, 413, "payload_too_large"),
    "executable": (
        lambda s: (b"MZ\x90\x00" + bytes(5000), "foto.jpg", {}),
        415,
        "unsupported_media_type",
    ),
    "elf": (
        lambda s: (b"\x7fELF\x02\x01" + bytes(5000), "x.png", {}),
        415,
        "unsupported_media_type",
    ),
    "html": (
        lambda s: (b"<!doctype html><html><script>alert(1)</script></html>", "x.jpg", {}),
        415,
        "unsupported_media_type",
    ),
    "script": (
        lambda s: (b"#!/bin/bash\ncurl x | sh\n", "x.pdf", {}),
        415,
        "unsupported_media_type",
    ),
    "svg_script": (
        lambda s: (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            {},
        ),
        422,
        "unsafe_svg",
    ),
    "svg_external": (
        lambda s: (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://evil.example/a.png"/>'
            b"</svg>",
            "logo.svg",
            {},
        ),
        422,
        "unsafe_svg",
    ),
    "corrupt_image": (_truncated_jpeg, 422, "corrupt_image"),
    "decompression_bomb": (_bomb, 422, "image_too_large"),
    "empty_file": (lambda s: (b"", "kosong.jpg", {}), 422, "empty_file"),
    "bad_metadata": (
        lambda s: (jpeg((100, 100)), "ok.jpg", {"visibility": "semua"}),
        400,
        "validation_failed",
    ),
    "no_file": (lambda s: (None, "", {"title": "Tanpa berkas"}), 400, "validation_failed"),
    "nul_in_a_field": (
        lambda s: (jpeg((100, 100)), "ok.jpg", {"title": "Judul\x00"}),
        400,
        "nul_character",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_with_its_status_and_leaves_nothing(
    case, storage_backend, settings, agency_team, api
):
    make, status, code = BAD_INPUTS[case]
    data, filename, fields = make(settings)
    response = upload(api(user=agency_team().editor), data, filename, **fields)
    assert_problem(response, status, code)
    assert nothing_stored(storage_backend)


def test_connection_dropped_mid_upload_stores_nothing(storage_backend, agency_team, api):
    client = api(user=agency_team().editor).client
    body = encode_multipart(BOUNDARY, {"file": _named(jpeg((2000, 1500)), "a.jpg")})
    response = client.generic(
        "POST",
        "/api/v1/media/",
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **{"wsgi.input": DroppedBody(body, len(body) // 2), "CONTENT_LENGTH": str(len(body))},
    )
    assert_problem(response, 400, "upload_incomplete")
    assert nothing_stored(storage_backend)


def test_wrong_request_type_is_415(local_storage, agency_team, api):
    response = api(user=agency_team().editor).post("/api/v1/media/", {"title": "JSON"})
    assert_problem(response, 415, "multipart_required")


def test_agency_quota_is_enforced(storage_backend, settings, agency_team, api):
    team = agency_team()
    first = jpeg((300, 300), color=(1, 2, 3))
    settings.HUB_MEDIA_QUOTA_BYTES = len(first) + 1000
    assert upload(api(user=team.editor), first, "a.jpg").status_code == 201
    keys_before = storage_backend.objects()
    body = assert_problem(
        upload(api(user=team.editor), jpeg((300, 300), color=(9, 9, 9)), "b.jpg"),
        413,
        "quota_exceeded",
    )
    assert body["quota"] == settings.HUB_MEDIA_QUOTA_BYTES and body["used"] == len(first)
    assert MediaAsset.objects.count() == 1 and Blob.objects.count() == 1
    assert storage_backend.objects() == keys_before
    # Another agency has its own quota.
    assert (
        upload(api(user=agency_team().editor), jpeg((300, 300), color=(9, 9, 9))).status_code == 201
    )


def test_deleting_an_asset_gives_its_bytes_back_to_the_quota(
    storage_backend, settings, agency_team, api
):
    team = agency_team()
    client = api(user=team.editor)
    first, second = jpeg((300, 300), color=(1, 2, 3)), jpeg((300, 300), color=(9, 9, 9))
    settings.HUB_MEDIA_QUOTA_BYTES = max(len(first), len(second)) + 1000
    one = upload(client, first, "a.jpg").json()
    # The same bytes again are the same asset: nothing more is counted.
    assert upload(client, first, "a.jpg").status_code == 200
    assert_problem(upload(client, second, "b.jpg"), 413, "quota_exceeded")
    assert client.delete(f"/api/v1/media/{one['id']}/").status_code == 204
    assert upload(client, second, "b.jpg").status_code == 201


def test_an_agency_reads_its_usage_and_quota_over_rest_and_graphql(
    local_storage, settings, agency_team, api, make_key, make_user
):
    settings.HUB_MEDIA_QUOTA_BYTES = 5_000_000
    team, other = agency_team("bpbd-jatim"), agency_team("bmkg")
    data = jpeg((400, 300))
    upload(api(user=team.editor), data, "a.jpg")
    expected = {
        "agency": "bpbd-jatim",
        "used_bytes": len(data),
        "quota_bytes": 5_000_000,
        "available_bytes": 5_000_000 - len(data),
    }
    # Its own people (any role) and systems read it; the agency is theirs by default.
    assert api(user=team.viewer).get("/api/v1/media/usage/").json() == expected
    system = api(key=make_key(team.agency, "content:read"))
    assert system.get("/api/v1/media/usage/?agency=bpbd-jatim").json() == expected
    admin = api(user=make_user(superuser=True))
    assert admin.get("/api/v1/media/usage/?agency=bmkg").json()["used_bytes"] == 0
    query = (
        "query($a: String) { mediaUsage(agency: $a) {"
        " agency usedBytes quotaBytes availableBytes } }"
    )
    answer = api(user=team.editor).gql(query)["data"]["mediaUsage"]
    assert answer == {
        "agency": "bpbd-jatim",
        "usedBytes": len(data),
        "quotaBytes": 5_000_000,
        "availableBytes": 5_000_000 - len(data),
    }

    # Another agency's usage is not theirs to read; anonymous callers sign in first.
    assert_problem(
        api(user=other.editor).get("/api/v1/media/usage/?agency=bpbd-jatim"),
        403,
        "permission_denied",
    )
    denied = api(user=other.editor).gql(query, {"a": "bpbd-jatim"})
    assert denied["data"]["mediaUsage"] is None
    assert denied["errors"][0]["extensions"]["code"] == "permission_denied"
    assert_problem(api().get("/api/v1/media/usage/"), 401, "not_authenticated")
    assert_problem(admin.get("/api/v1/media/usage/"), 400, "validation_failed")  # which agency?
    # Quotas above 2^31 bytes are whole numbers in GraphQL too.
    settings.HUB_MEDIA_QUOTA_BYTES = 100 * 1024**3
    assert api(user=team.editor).gql(query)["data"]["mediaUsage"]["quotaBytes"] == 100 * 1024**3
    settings.HUB_MEDIA_QUOTA_BYTES = 0
    unlimited = api(user=team.viewer).get("/api/v1/media/usage/").json()
    assert unlimited["quota_bytes"] is None and unlimited["available_bytes"] is None


def test_the_usage_counter_agrees_with_the_assets_whatever_changes_them(
    local_storage, agency_team, api
):
    """Kept by triggers: uploads, deletions and changes made outside the services too."""
    from django.db.models import Sum

    from media_store.selectors import agency_usage

    teams = [agency_team(), agency_team()]

    def counted(team) -> int:
        live = MediaAsset.objects.filter(agency=team.agency)
        return live.aggregate(total=Sum("size"))["total"] or 0

    def agree() -> None:
        for team in teams:
            assert agency_usage(team.agency.pk) == counted(team)

    assert agency_usage(teams[0].agency.pk) == 0  # no asset yet, no row yet
    ids = [
        upload(api(user=team.editor), jpeg((200 + i * 40, 200), color=(i, 9, 9)), "f.jpg").json()[
            "id"
        ]
        for i, team in enumerate(teams * 2)
    ]
    agree()
    assert agency_usage(teams[0].agency.pk) > 0
    api(user=teams[0].editor).delete(f"/api/v1/media/{ids[0]}/")
    agree()
    MediaAsset.all_objects.filter(pk=ids[0]).update(status=MediaAsset.Status.READY)  # restored
    MediaAsset.all_objects.filter(pk=ids[1]).update(status=MediaAsset.Status.REJECTED)
    MediaAsset.all_objects.filter(pk=ids[2]).update(size=12345)
    agree()
    MediaAsset.all_objects.filter(pk=ids[3]).update(agency=teams[0].agency)
    agree()
    MediaAsset.all_objects.filter(pk=ids[2]).update(status=MediaAsset.Status.DELETED)
    MediaAsset.all_objects.filter(pk=ids[2]).delete()  # a deleted row removed: no change
    MediaAsset.all_objects.filter(pk=ids[3]).delete()  # a live row removed
    agree()
    # What is left of the second agency: its rejected asset, which still takes space.
    assert agency_usage(teams[1].agency.pk) == MediaAsset.objects.get(pk=ids[1]).size > 0


def test_pdf_gets_page_count_and_first_page_renditions(storage_backend, agency_team, api, run_jobs):
    team = agency_team()
    pages = [Image.new("RGB", (1240, 1754), c) for c in ((255, 255, 255), (200, 0, 0))]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    response = upload(api(user=team.editor), out.getvalue(), "siaran-pers.pdf")
    assert response.json()["kind"] == "document"
    run_jobs()
    asset = api(user=team.editor).get(f"/api/v1/media/{response.json()['id']}/").json()
    assert asset["status"] == "ready", asset["status_detail"]
    assert asset["pages"] == 2
    assert len(asset["renditions"]) == 14


def test_video_gets_duration_dimensions_and_a_poster(
    storage_backend, agency_team, api, run_jobs, tmp_path
):
    import subprocess

    path = tmp_path / "klip.mp4"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=10",
            "-t", "3", "-pix_fmt", "yuv420p", str(path),
        ],
        check=True,
    )  # fmt: skip
    team = agency_team()
    response = upload(api(user=team.editor), path.read_bytes(), "klip.mp4")
    assert response.json()["kind"] == "video"
    run_jobs()
    asset = api(user=team.editor).get(f"/api/v1/media/{response.json()['id']}/").json()
    assert asset["status"] == "ready", asset["status_detail"]
    assert (asset["width"], asset["height"]) == (640, 360)
    assert asset["duration"] == pytest.approx(3.0, abs=0.2)
    assert len(asset["renditions"]) == 14 and asset["phash"]


def test_audio_gets_its_duration(local_storage, agency_team, api, run_jobs, tmp_path):
    import subprocess

    path = tmp_path / "siaran.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(path)],
        check=True,
    )
    team = agency_team()
    response = upload(api(user=team.editor), path.read_bytes(), "siaran.mp3")
    assert response.json()["kind"] == "audio"
    run_jobs()
    asset = api(user=team.editor).get(f"/api/v1/media/{response.json()['id']}/").json()
    assert asset["status"] == "ready" and asset["renditions"] == []
    assert asset["duration"] == pytest.approx(2.0, abs=0.2)


def test_unreadable_document_is_rejected_by_the_worker_with_a_reason(
    local_storage, agency_team, api, run_jobs
):
    team = agency_team()
    response = upload(api(user=team.editor), b"%PDF-1.4\n" + bytes(4000), "rusak.pdf")
    assert response.status_code == 201
    run_jobs()
    asset = MediaAsset.objects.get()
    assert asset.status == "rejected" and asset.status_detail.startswith("unprocessable:")
    assert not Rendition.objects.exists()
    assert_problem(
        api(user=team.verifier).post(f"/api/v1/media/{asset.pk}/publish/"), 409, "asset_not_ready"
    )


def test_svg_is_rasterised_for_renditions(local_storage, agency_team, api, run_jobs):
    team = agency_team()
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200">'
        b'<rect width="300" height="200" fill="#0a5"/><circle cx="150" cy="100" r="60" '
        b'fill="#fff"/></svg>'
    )
    response = upload(api(user=team.editor), svg, "logo.svg")
    assert response.status_code == 201 and response.json()["mime"] == "image/svg+xml"
    run_jobs()
    asset = api(user=team.editor).get(f"/api/v1/media/{response.json()['id']}/").json()
    assert asset["status"] == "ready" and (asset["width"], asset["height"]) == (300, 200)
    assert len(asset["renditions"]) == 14


def test_audit_and_change_feed_record_the_upload(local_storage, agency_team, api):
    from hub.models import AuditEntry, ChangeEvent

    team = agency_team()
    asset_id = upload(api(user=team.editor), jpeg((100, 100)), "a.jpg").json()["id"]
    entry = AuditEntry.objects.get(action="media.upload")
    assert entry.entity_id == str(asset_id) and entry.actor == f"user:{team.editor.pk}"
    event = ChangeEvent.objects.get(entity="media_asset", entity_id=str(asset_id))
    assert event.action == "created" and event.agency_id == team.agency.pk
    assert json.loads(json.dumps(event.data))["status"] == "processing"


def test_editor_role_needed_in_the_target_agency(local_storage, agency_team, api, make_user):
    first, second = agency_team(), agency_team()
    both = make_user(first.agency, policy.EDITOR)
    from agencies.models import Membership

    Membership.objects.create(user=both, agency=second.agency, role=policy.EDITOR)
    assert_problem(upload(api(user=both), jpeg(), "a.jpg"), 400, "validation_failed")
    response = upload(api(user=both), jpeg(), "a.jpg", query=f"?agency={second.agency.slug}")
    assert response.status_code == 201 and response.json()["agency"] == second.agency.slug
    refused = upload(api(user=first.editor), png(), "b.png", query=f"?agency={second.agency.slug}")
    assert_problem(refused, 403, "permission_denied")
