"""Getting the bytes out: Range and ETag when the hub streams, stable and short-lived URLs."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from datetime import timedelta

import pytest
from django.utils import timezone

from media_store import delivery
from tests.media_store.conftest import assert_problem, content, fetch, jpeg, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_asset(agency_team, api, run_jobs):
    """An image uploaded by a fresh agency and processed: (team, asset id, original bytes)."""

    def make(**fields):
        team = agency_team()
        data = jpeg((1200, 800))
        fields.setdefault("alt_text", "Jembatan darurat")
        response = upload(api(user=team.editor), data, "jembatan.jpg", **fields)
        assert response.status_code == 201, response.content
        run_jobs()
        return team, response.json()["id"], data

    return make


def test_download_supports_ranges_and_etag(storage_backend, ready_asset, api):
    team, asset_id, data = ready_asset()
    client = api(user=team.viewer)
    url = f"/api/v1/media/{asset_id}/download/original/"
    etag = f'"{hashlib.sha256(data).hexdigest()}"'
    size = len(data)

    full = client.get(url)
    assert full.status_code == 200 and content(full) == data
    assert (full["ETag"], full["Accept-Ranges"], full["Content-Length"]) == (
        etag,
        "bytes",
        str(size),
    )
    assert full["Content-Type"] == "image/jpeg"

    for header, start, end in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-256", size - 256, size - 1),
        (f"bytes=10-{size + 500}", 10, size - 1),
    ):
        part = client.get(url, HTTP_RANGE=header)
        assert part.status_code == 206, header
        assert content(part) == data[start : end + 1]
        assert part["Content-Range"] == f"bytes {start}-{end}/{size}"
        assert part["Content-Length"] == str(end - start + 1)

    unsatisfiable = client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert_problem(unsatisfiable, 416, "range_not_satisfiable")
    assert unsatisfiable["Content-Range"] == f"bytes */{size}"
    several = client.get(url, HTTP_RANGE="bytes=0-1,5-6")
    assert several.status_code == 200 and content(several) == data
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"something-else"')
    assert stale.status_code == 200 and content(stale) == data
    head = client.client.head(url)
    assert head.status_code == 200 and head["Content-Length"] == str(size) and not content(head)


def test_rendition_download_by_name(storage_backend, ready_asset, api):
    team, asset_id, _ = ready_asset()
    client = api(user=team.viewer)
    asset = client.get(f"/api/v1/media/{asset_id}/").json()
    square = next(r for r in asset["renditions"] if (r["name"], r["format"]) == ("square", "webp"))
    response = client.get(f"/api/v1/media/{asset_id}/download/square.webp/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{square["sha256"]}"'
    assert response["Content-Disposition"].startswith("inline;")
    assert hashlib.sha256(content(response)).hexdigest() == square["sha256"]
    assert client.get(f"/api/v1/media/{asset_id}/download/square.jpg/").status_code == 200
    assert_problem(client.get(f"/api/v1/media/{asset_id}/download/banner.webp/"), 404, "not_found")


def test_public_assets_have_stable_urls_anyone_can_fetch(
    storage_backend, ready_asset, api, settings
):
    team, asset_id, _ = ready_asset(visibility="public")
    owner = api(user=team.editor)
    before = owner.get(f"/api/v1/media/{asset_id}/").json()["renditions"]
    assert not any("/media/p/" in r["url"] for r in before)  # not yet published: signed URLs
    api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/")

    anonymous = api()
    asset = anonymous.get(f"/api/v1/media/{asset_id}/").json()
    assert asset["original_url"] is None
    base = settings.HUB_PUBLIC_URL.rstrip("/")
    for rendition in asset["renditions"]:
        ext = "jpg" if rendition["format"] == "jpeg" else "webp"
        assert rendition["url"] == f"{base}/media/p/{asset_id}/{rendition['name']}.{ext}"
        status, body, headers = fetch(anonymous, rendition["url"])
        assert status == 200 and hashlib.sha256(body).hexdigest() == rendition["sha256"]
        assert headers["Cache-Control"].startswith("public")
    # The same URL, later: still the same (stable), as long as the asset is public.
    assert anonymous.get(f"/api/v1/media/{asset_id}/").json()["renditions"] == asset["renditions"]

    api(user=team.verifier).post(f"/api/v1/media/{asset_id}/unpublish/")
    assert fetch(anonymous, asset["renditions"][0]["url"])[0] == 404
    assert anonymous.get(f"/media/p/{asset_id}/original").status_code == 404


@pytest.mark.parametrize("storage_backend", ["s3"], indirect=True)
def test_public_base_url_is_used_for_public_renditions(storage_backend, ready_asset, api, settings):
    settings.MINIO_PUBLIC_BASE_URL = "https://cdn.simpul.go.id/media"
    team, asset_id, _ = ready_asset(visibility="public")
    api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/")
    for rendition in api().get(f"/api/v1/media/{asset_id}/").json()["renditions"]:
        ext = rendition["format"]
        assert rendition["url"].startswith(
            f"https://cdn.simpul.go.id/media/{storage_backend.prefix}renditions/"
        )
        assert rendition["url"].endswith(f"{rendition['sha256']}.{ext}")


def test_private_urls_are_short_lived(storage_backend, ready_asset, api, settings):
    team, asset_id, data = ready_asset()
    client = api(user=team.viewer)
    asset = client.get(f"/api/v1/media/{asset_id}/").json()
    url = asset["original_url"]
    if storage_backend.name == "s3":
        assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    else:
        assert "/media/s/" in url
    status, body, headers = fetch(client, url)
    assert status == 200 and body == data
    # Same window, same URLs: the representation (and its ETag) stays stable.
    assert client.get(f"/api/v1/media/{asset_id}/").json() == asset


def test_hub_signed_urls_cannot_be_forged_or_reused_late(local_storage, ready_asset, api):
    team, asset_id, _ = ready_asset()
    client = api(user=team.viewer)
    url = client.get(f"/api/v1/media/{asset_id}/").json()["original_url"]
    token = url.rsplit("/", 1)[1]
    assert_problem(client.get(f"/media/s/{token[:-2]}xx"), 404, "url_expired")
    download = delivery.read_token(token)
    old = delivery._WindowSigner(at=int(time.time()) - 3600, salt=delivery.TOKEN_SALT)
    expired = old.sign_object(asdict(download), compress=True)
    assert_problem(api().get(f"/media/s/{expired}"), 404, "url_expired")


def test_embargo_hides_published_assets_from_others_until_it_ends(
    local_storage, ready_asset, api, agency_team
):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    team, asset_id, _ = ready_asset(embargo_until=later, visibility="public")
    api(user=team.verifier).post(f"/api/v1/media/{asset_id}/publish/")
    other = api(user=agency_team().viewer)
    assert_problem(other.get(f"/api/v1/media/{asset_id}/"), 404, "not_found")
    assert_problem(api().get(f"/media/p/{asset_id}/web.webp"), 404, "not_found")
    assert api(user=team.viewer).get(f"/api/v1/media/{asset_id}/").status_code == 200

    earlier = (timezone.now() - timedelta(minutes=1)).isoformat()
    patched = api(user=team.editor).patch(f"/api/v1/media/{asset_id}/", {"embargo_until": earlier})
    assert patched.status_code == 200, patched.content
    assert other.get(f"/api/v1/media/{asset_id}/").status_code == 200
    assert api().get(f"/media/p/{asset_id}/web.webp").status_code == 200
