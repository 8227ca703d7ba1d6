"""REST and GraphQL over the media store agree, cost a fixed number of queries, and find copies."""

from __future__ import annotations

import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from media_store.services import asset_process, asset_publish, asset_upload_stream
from tests.conftest import PLATFORM
from tests.media_store.conftest import assert_problem, content, heic_from_a_phone, jpeg, upload

pytestmark = pytest.mark.django_db

ASSETS = """
query($q: String, $tag: String, $kind: [String], $agency: String, $collection: String) {
  mediaAssets(first: 100, q: $q, tag: $tag, kind: $kind, agency: $agency, collection: $collection) {
    edges { node { databaseId title kind tags agency { slug name }
      renditions { name format width height url } originalUrl } }
  }
}
"""


def _asset(agency, data: bytes, *, title: str, publish: bool = False, **fields):
    asset, _ = asset_upload_stream(
        principal=PLATFORM,
        agency=agency,
        chunks=[data],
        filename=f"{title}.jpg",
        data={"title": title, "alt_text": title, **fields},
    )
    if publish:
        asset_process(asset_id=asset.pk)
        asset_publish(principal=PLATFORM, asset=asset)
    return asset


def _picture(seed: int) -> bytes:
    return jpeg((64, 48), color=(seed % 256, (seed * 7) % 256, (seed * 13) % 256))


def _blocks(seed: int) -> bytes:
    """A picture of random coloured blocks: far from every other picture's pHash."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600))
    for x in range(0, 800, 50):
        for y in range(0, 600, 50):
            image.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 50, y + 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _gql_ids(client, **variables) -> list[int]:
    result = client.gql(ASSETS, variables)
    assert "errors" not in result, result
    return [edge["node"]["databaseId"] for edge in result["data"]["mediaAssets"]["edges"]]


def _rest_ids(client, query: str) -> list[int]:
    response = client.get(f"/api/v1/media/?limit=200&{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_rest_and_graphql_return_the_same_assets(local_storage, agency_team, api):
    mine, theirs = agency_team("bpbd-sleman"), agency_team("bpbd-bantul")
    collection = (
        api(user=mine.editor).post("/api/v1/media-collections/", {"title": "Merapi"}).json()
    )
    _asset(mine.agency, _picture(1), title="Erupsi Merapi", tags=["merapi", "erupsi"],
           collections=[collection["id"]])  # fmt: skip
    _asset(mine.agency, _picture(2), title="Jalur evakuasi", tags=["evakuasi"])
    _asset(theirs.agency, _picture(3), title="Banjir lahar", tags=["merapi"], publish=True)
    _asset(theirs.agency, _picture(4), title="Draf lahar dingin", tags=["merapi"])  # not shared

    client = api(user=mine.viewer)
    cases = [
        ("", {}),
        ("q=lahar", {"q": "lahar"}),
        ("tag=merapi", {"tag": "merapi"}),
        ("kind=image", {"kind": ["image"]}),
        (f"agency={theirs.agency.slug}", {"agency": theirs.agency.slug}),
        (f"collection={collection['id']}", {"collection": str(collection["id"])}),
    ]
    for query, variables in cases:
        rest = _rest_ids(client, query)
        assert rest == _gql_ids(client, **variables), query
    assert len(_rest_ids(client, "")) == 3
    assert len(_rest_ids(client, "tag=merapi")) == 2
    assert len(_rest_ids(client, f"collection={collection['id']}")) == 1
    # The same for an agency system with an API key.
    from agencies.services import apikey_create

    _, key = apikey_create(
        principal=PLATFORM, agency=theirs.agency, name="portal", scopes=["content:read"]
    )
    system = api(key=key)
    assert _rest_ids(system, "tag=merapi") == _gql_ids(system, tag="merapi")
    assert len(_rest_ids(system, "tag=merapi")) == 2


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_list_costs_the_same_queries_at_5_and_50_assets(local_storage, agency_team, api):
    counts = {}
    for size in (5, 50):
        team = agency_team(f"hitung-{size}")
        for i in range(size):
            asset = _asset(team.agency, _picture(size * 1000 + i), title=f"Aset {i}", tags=["x"])
            if i < 5:  # renditions on some rows in both pages (processing costs time)
                asset_process(asset_id=asset.pk)
        client = api(user=team.viewer)
        counts[("rest", size)] = _queries(lambda c=client: c.get("/api/v1/media/?limit=100"))
        counts[("graphql", size)] = _queries(lambda c=client: c.gql(ASSETS, {"tag": "x"}))
        page = client.get("/api/v1/media/?limit=100").json()["results"]
        assert len(page) == size and sum(len(item["renditions"]) == 14 for item in page) == 5
        assert all(item["original_url"] for item in page)
        edges = client.gql(ASSETS, {"tag": "x"})["data"]["mediaAssets"]["edges"]
        assert len(edges) == size
        assert sum(len(edge["node"]["renditions"]) == 14 for edge in edges) == 5
        assert all(e["node"]["originalUrl"] for e in edges)
    assert counts[("rest", 5)] == counts[("rest", 50)], counts
    assert counts[("graphql", 5)] == counts[("graphql", 50)], counts


def test_graphql_update_and_typed_errors(local_storage, agency_team, api):
    team = agency_team()
    asset = _asset(team.agency, _picture(9), title="Lama")
    mutation = """
    mutation($id: Int!, $input: MediaAssetInput!) {
      mediaAssetUpdate(id: $id, input: $input) {
        asset { title tags visibility } errors { field code }
      }
    }"""
    done = api(user=team.editor).gql(
        mutation, {"id": asset.pk, "input": {"title": "Baru", "tags": ["a", "b"]}}
    )["data"]["mediaAssetUpdate"]
    assert done == {
        "asset": {"title": "Baru", "tags": ["a", "b"], "visibility": "AGENCIES"},
        "errors": [],
    }
    invalid = api(user=team.editor).gql(mutation, {"id": asset.pk, "input": {"visibility": "x"}})
    assert invalid["data"]["mediaAssetUpdate"]["errors"] == [
        {"field": "visibility", "code": "invalid_choice"}
    ]
    denied = api(user=team.viewer).gql(mutation, {"id": asset.pk, "input": {"title": "Z"}})
    assert denied["data"]["mediaAssetUpdate"]["errors"] == [
        {"field": None, "code": "permission_denied"}
    ]
    stranger = api(user=agency_team().editor).gql(
        mutation, {"id": asset.pk, "input": {"title": "Z"}}
    )
    assert stranger["data"]["mediaAssetUpdate"]["errors"] == [{"field": None, "code": "not_found"}]


def test_lookup_finds_exact_and_near_copies(local_storage, agency_team, api, run_jobs):
    owner, checker = agency_team(), agency_team()
    photo = Image.new("RGB", (1600, 1200), (240, 240, 240))
    for x in range(0, 1600, 200):
        photo.paste((20, 60, 160), (x, 0, x + 90, 1200))
    photo.paste((200, 30, 30), (500, 400, 1100, 800))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92)
    original = out.getvalue()
    asset = _asset(owner.agency, original, title="Infografis resmi", publish=True)
    _asset(owner.agency, _blocks(1), title="Lain", publish=True)

    client = api(user=checker.viewer)
    same = _lookup_file(client, original)
    assert [item["id"] for item in same["exact"]] == [asset.pk] and same["near"] == []

    # A resized, recompressed copy that travelled through a chat app.
    copy = io.BytesIO()
    photo.resize((640, 480)).save(copy, "JPEG", quality=60)
    near = _lookup_file(client, copy.getvalue())
    assert near["exact"] == []
    assert [item["id"] for item in near["near"]] == [asset.pk]
    assert near["near"][0]["distance"] <= 10

    # A rendition downloaded from the hub is an exact match too.
    rendition = client.get(f"/api/v1/media/{asset.pk}/download/web.jpg/")
    assert [item["id"] for item in _lookup_file(client, content(rendition))["exact"]] == [asset.pk]

    unrelated = _lookup_file(client, _blocks(2))
    assert unrelated == {**unrelated, "exact": [], "near": []}

    # By hash, over REST and GraphQL alike.
    by_hash = client.post("/api/v1/media/lookup", {"sha256": asset.sha256}).json()
    assert [item["id"] for item in by_hash["exact"]] == [asset.pk]
    gql = client.gql(
        "query($p: String) { mediaLookup(phash: $p) { exact { databaseId } near { distance "
        "asset { databaseId } } } }",
        {"p": near["phash"]},
    )["data"]["mediaLookup"]
    assert [m["asset"]["databaseId"] for m in gql["near"]] == [asset.pk]
    # Nothing was stored by looking up.
    assert len(local_storage.objects("originals/")) == 2


def test_a_jpeg_made_from_an_official_heic_photo_is_found_near_it(
    local_storage, agency_team, api, run_jobs
):
    """Phones share HEIC photos as JPEG: the copy still leads back to the official one."""
    owner, checker = agency_team(), agency_team()
    original = heic_from_a_phone()
    asset = _asset(owner.agency, original, title="Foto resmi", publish=True)
    _asset(owner.agency, _blocks(3), title="Lain", publish=True)

    with Image.open(io.BytesIO(original)) as photo:
        shared = io.BytesIO()
        photo.convert("RGB").resize((600, 800)).save(shared, "JPEG", quality=70)
    client = api(user=checker.viewer)
    near = _lookup_file(client, shared.getvalue())
    assert near["exact"] == []
    assert [item["id"] for item in near["near"]] == [asset.pk]
    assert [item["id"] for item in _lookup_file(client, original)["exact"]] == [asset.pk]


def test_lookup_respects_what_the_caller_may_see(local_storage, agency_team, api):
    owner, checker = agency_team(), agency_team()
    data = _picture(77)
    asset = _asset(owner.agency, data, title="Belum terbit")
    assert _lookup_file(api(user=checker.viewer), data)["exact"] == []
    assert [a["id"] for a in _lookup_file(api(user=owner.viewer), data)["exact"]] == [asset.pk]
    bad = api(user=checker.viewer).post("/api/v1/media/lookup/", {"sha256": "xyz"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid_sha256"


def test_anyone_may_ask_whether_a_picture_is_an_official_public_one(
    local_storage, agency_team, api
):
    """A citizen checks a picture forwarded to them, without an account."""
    owner = agency_team()
    public = _asset(
        owner.agency, _blocks(4), title="Peringatan dini", publish=True, visibility="public"
    )
    shared_data = _blocks(5)
    shared = _asset(
        owner.agency, shared_data, title="Untuk instansi", publish=True, visibility="agencies"
    )
    citizen = api()

    found = _lookup_file(citizen, _blocks(4))
    assert [item["id"] for item in found["exact"]] == [public.pk]
    assert found["exact"][0]["original_url"] is None
    # Published for agencies only: an anonymous caller learns nothing of it,
    # while an agency's system finds it.
    unseen = _lookup_file(citizen, shared_data)
    assert (unseen["exact"], unseen["near"]) == ([], [])
    seen = _lookup_file(api(user=agency_team().viewer), shared_data)
    assert [item["id"] for item in seen["exact"]] == [shared.pk]
    by_hash = citizen.post("/api/v1/media/lookup", {"sha256": shared.sha256}).json()
    assert by_hash["exact"] == []
    by_hash = citizen.post("/api/v1/media/lookup", {"sha256": public.sha256}).json()
    assert [item["id"] for item in by_hash["exact"]] == [public.pk]
    gql = citizen.gql(
        "query($s: String) { mediaLookup(sha256: $s) { exact { databaseId } } }",
        {"s": public.sha256},
    )
    assert gql["data"]["mediaLookup"]["exact"] == [{"databaseId": public.pk}]
    # The rest of the media API still needs an account to write.
    assert_problem(citizen.post("/api/v1/media/", {"title": "x"}), 401, "not_authenticated")


def test_a_file_to_look_up_is_read_up_to_its_own_limit(local_storage, settings, api):
    from django.test.client import encode_multipart

    settings.HUB_MEDIA_LOOKUP_MAX_BYTES = 100_000
    handle = io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + bytes(300_000))
    handle.name = "video-wa.mp4"
    response = api().client.generic(
        "POST",
        "/api/v1/media/lookup/",
        encode_multipart("B0UND", {"file": handle}),
        content_type="multipart/form-data; boundary=B0UND",
    )
    assert_problem(response, 413, "payload_too_large")
    assert response.json()["limit"] == 100_000
    assert local_storage.objects() == []


def _lookup_file(client, data: bytes) -> dict:
    from django.test.client import encode_multipart

    handle = io.BytesIO(data)
    handle.name = "cek.jpg"
    response = client.client.generic(
        "POST",
        "/api/v1/media/lookup/",
        encode_multipart("B0UND", {"file": handle}),
        content_type="multipart/form-data; boundary=B0UND",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_collections(local_storage, agency_team, api):
    team, other = agency_team(), agency_team()
    editor = api(user=team.editor)
    created = editor.post(
        "/api/v1/media-collections/", {"title": "HUT RI", "visibility": "agencies"}
    )
    assert created.status_code == 201, created.content
    collection = created.json()
    assert collection["agency"] == team.agency.slug
    patched = editor.patch(f"/api/v1/media-collections/{collection['id']}/", {"title": "HUT RI 81"})
    assert patched.json()["title"] == "HUT RI 81"
    assert (
        api(user=other.viewer).get(f"/api/v1/media-collections/{collection['id']}/").status_code
        == 200
    )
    # An asset can only join its own agency's collections.
    foreign = upload(api(user=other.editor), jpeg((50, 50)), collections=str(collection["id"]))
    assert foreign.status_code == 400
    assert foreign.json()["errors"][0]["code"] == "unknown_collection"
    assert api().get(f"/api/v1/media-collections/{collection['id']}/").status_code == 404
    editor.patch(f"/api/v1/media-collections/{collection['id']}/", {"visibility": "public"})
    assert api().get(f"/api/v1/media-collections/{collection['id']}/").status_code == 200
    assert editor.delete(f"/api/v1/media-collections/{collection['id']}/").status_code == 204
    assert api(user=team.viewer).get("/api/v1/media-collections/").json()["results"] == []


def test_systems_need_content_read_to_list(local_storage, agency_team, api):
    team = agency_team()
    _asset(team.agency, _picture(5), title="A")
    from agencies.services import apikey_create

    _, write_only = apikey_create(
        principal=PLATFORM, agency=team.agency, name="unggah", scopes=["media:write"]
    )
    system = api(key=write_only)
    assert upload(system, _picture(6), "b.jpg").status_code == 201
    # Reading the agency's own drafts is a read: it needs content:read.
    assert system.get("/api/v1/media/").json()["results"] == []
