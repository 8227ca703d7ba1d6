"""Agencies over REST: validation, writes, conditional requests, shapes, pagination."""

import pytest

from agencies.models import Agency
from hub.models import AuditEntry, ChangeEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(superuser=True)


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    return body


@pytest.mark.parametrize(
    "payload, field, code",
    [
        ({"type": "pemkab", "region": "35"}, "region", "region_level_mismatch"),
        ({"type": "pemkot", "region": "35.07"}, "region", "region_level_mismatch"),
        ({"type": "pemprov", "region": "99"}, "region", "unknown_region"),
        ({"type": "pemkab"}, "region", "region_required"),
        (
            {"type": "lpnk", "official_domains": ["bnpb..go.id"]},
            "official_domains",
            "invalid_domain",
        ),
        ({"type": "lpnk", "official_domains": "bnpb.go.id"}, "official_domains", "invalid_type"),
        ({"type": "lpnk", "official_domains": ["Go.ID"]}, "official_domains", "shared_domain"),
        (
            {"type": "lpnk", "official_domains": ["bnpb.go.id", "gmail.com"]},
            "official_domains",
            "shared_domain",
        ),
        ({"type": "kementerian", "slug": "Bad Slug"}, "slug", "invalid_slug"),
        ({"type": "dinas"}, "type", "invalid_choice"),
        ({"type": "lpnk", "identifiers": [{"scheme": "x"}]}, "identifiers", "invalid_identifiers"),
        ({"type": "lpnk", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_invalid_agency_gives_field_error_and_writes_nothing(api, admin, payload, field, code):
    agencies, audits, events = (
        Agency.objects.count(),
        AuditEntry.objects.count(),
        ChangeEvent.objects.count(),
    )
    response = api(user=admin).post("/api/v1/agencies/", {"name": "Instansi Uji", **payload})
    body = _problem(response, 400, "validation_failed")
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in body["errors"]
    ]
    assert (Agency.objects.count(), AuditEntry.objects.count(), ChangeEvent.objects.count()) == (
        agencies,
        audits,
        events,
    )


def test_create_regional_agency_and_read_it_back(api, admin):
    response = api(user=admin).post(
        "/api/v1/agencies/",
        {
            "name": "Pemerintah Kabupaten Malang",
            "slug": "pemkab-malang-uji",
            "type": "pemkab",
            "region": "35.07",
            "official_domains": ["MalangKab.go.id", "malang-info.id"],
            "identifiers": [{"scheme": "kemendagri", "value": "35.07"}],
        },
    )
    assert response.status_code == 201, response.content
    assert response["Location"].endswith("/api/v1/agencies/pemkab-malang-uji/")
    body = response.json()
    assert body["official_domains"] == ["malangkab.go.id", "malang-info.id"]
    assert body["non_government_domains"] == ["malang-info.id"]
    detail = api().get("/api/v1/agencies/pemkab-malang-uji/?expand=region").json()
    assert detail["region"] == {
        "code": "35.07",
        "name": "Kabupaten Malang",
        "level": 2,
        "kind": "kabupaten",
    }
    entry = AuditEntry.objects.filter(action="agency.create").latest("id")
    assert entry.entity_id == str(body["id"]) and entry.actor == f"user:{admin.pk}"
    assert ChangeEvent.objects.filter(entity="agency", entity_id=str(body["id"])).exists()


def test_duplicate_slug_conflicts(api, admin, make_agency):
    make_agency("bnpb-uji")
    response = api(user=admin).post(
        "/api/v1/agencies/", {"name": "X", "slug": "bnpb-uji", "type": "lpnk"}
    )
    body = _problem(response, 409, "conflict")
    assert body["errors"][0]["code"] == "slug_taken"


def test_etag_and_if_none_match(api, make_agency):
    make_agency("bmkg-uji")
    first = api().get("/api/v1/agencies/bmkg-uji/")
    assert first.status_code == 200 and first["ETag"]
    again = api().get("/api/v1/agencies/bmkg-uji/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    listing = api().get("/api/v1/agencies/")
    assert api().get("/api/v1/agencies/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304


def test_if_match_rejects_stale_update(api, admin, make_agency):
    make_agency("komdigi-uji", name="Komdigi")
    client = api(user=admin)
    etag = client.get("/api/v1/agencies/komdigi-uji/")["ETag"]
    ok = client.patch("/api/v1/agencies/komdigi-uji/", {"acronym": "KD"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["acronym"] == "KD"
    stale = client.patch("/api/v1/agencies/komdigi-uji/", {"acronym": "XX"}, HTTP_IF_MATCH=etag)
    _problem(stale, 412, "precondition_failed")
    assert Agency.objects.get(slug="komdigi-uji").acronym == "KD"


def test_agency_admin_changes_descriptive_fields_only(api, make_agency, make_user):
    agency = make_agency("bpbd-uji", type="lpnk")
    agency_admin = make_user(agency, "agency_admin")
    client = api(user=agency_admin)
    assert (
        client.patch("/api/v1/agencies/bpbd-uji/", {"website": "https://bpbd.go.id"}).status_code
        == 200
    )
    body = _problem(
        client.patch("/api/v1/agencies/bpbd-uji/", {"status": "suspended"}),
        403,
        "permission_denied",
    )
    assert body["errors"][0]["field"] == "status"
    editor = make_user(agency, "editor")
    _problem(
        api(user=editor).patch("/api/v1/agencies/bpbd-uji/", {"acronym": "B"}),
        403,
        "permission_denied",
    )


def test_suspended_agency_hidden_from_others(api, admin, make_agency):
    make_agency("ditangguhkan")
    assert (
        api(user=admin).patch("/api/v1/agencies/ditangguhkan/", {"status": "suspended"}).status_code
        == 200
    )
    _problem(api().get("/api/v1/agencies/ditangguhkan/"), 404, "not_found")
    assert api(user=admin).get("/api/v1/agencies/ditangguhkan/").status_code == 200
    assert AuditEntry.objects.filter(action="agency.suspend").exists()


def test_sparse_fields_and_expand(api, make_agency):
    parent = make_agency("pemprov-uji", type="pemprov", region="35")
    make_agency("pemkab-uji", type="pemkab", region="35.07", parent=parent.slug)
    body = api().get("/api/v1/agencies/pemkab-uji/?fields=slug,parent&expand=parent").json()
    assert body == {
        "slug": "pemkab-uji",
        "parent": {
            "slug": "pemprov-uji",
            "name": "Instansi pemprov-uji",
            "acronym": "",
            "type": "pemprov",
        },
    }
    bad = api().get("/api/v1/agencies/?fields=slug,secret")
    assert _problem(bad, 400, "validation_failed")["errors"][0]["code"] == "unknown_field"
    bad = api().get("/api/v1/agencies/?expand=memberships")
    assert _problem(bad, 400, "validation_failed")["errors"][0]["code"] == "unknown_expansion"


def test_cursor_pagination_is_stable_under_inserts(api, make_agency):
    for letter in "bdfhj":
        make_agency(f"page-{letter}", name=f"Page {letter.upper()}")
    first = api().get("/api/v1/agencies/?q=page-&limit=2").json()
    assert [a["slug"] for a in first["results"]] == ["page-b", "page-d"]
    # Rows inserted before the cursor must not shift the next page.
    make_agency("page-a", name="Page A")
    make_agency("page-c", name="Page C")
    second = api().get(first["next"].split("testserver")[1]).json()
    assert [a["slug"] for a in second["results"]] == ["page-f", "page-h"]
    _problem(api().get("/api/v1/agencies/?cursor=garbage!"), 400, "validation_failed")
    _problem(api().get("/api/v1/agencies/?limit=0"), 400, "validation_failed")


def test_problem_messages_follow_accept_language(api):
    english = api(lang="en-US,en;q=0.9").get("/api/v1/memberships/")
    assert _problem(english, 401, "not_authenticated")["detail"] == "Authentication is required."
    indonesian = api(lang="id").get("/api/v1/memberships/")
    assert _problem(indonesian, 401, "not_authenticated")["detail"] == "Autentikasi diperlukan."


def test_malformed_and_unsupported_bodies(api, admin):
    client = api(user=admin)
    response = client.client.post(
        "/api/v1/agencies/", data=b"{not json", content_type="application/json"
    )
    _problem(response, 400, "malformed_request")
    response = client.client.post("/api/v1/agencies/", data=b"name=x", content_type="text/plain")
    _problem(response, 415, "unsupported_media_type")
    _problem(client.delete("/api/v1/agencies/komdigi/"), 405, "method_not_allowed")
    huge = b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = client.client.post("/api/v1/agencies/", data=huge, content_type="application/json")
    _problem(response, 413, "payload_too_large")


def test_unknown_url_is_problem_json(api):
    _problem(api().get("/api/v1/nothing-here/"), 404, "not_found")


def test_region_filter_includes_agencies_of_regions_below(api, make_agency):
    make_agency("filter-prov", type="pemprov", region="35")
    make_agency("filter-kab", type="pemkab", region="35.07")
    make_agency("filter-lain", type="pemprov", region="31")
    body = api().get("/api/v1/agencies/?region=35&q=filter-").json()
    assert {a["slug"] for a in body["results"]} == {"filter-prov", "filter-kab"}


def test_an_agency_admin_finds_only_new_accounts_and_their_own_people(api, make_agency, make_user):
    """Trying user ids one by one must not read other agencies' staff (usernames, e-mail)."""
    from agencies.models import Membership

    own, other = make_agency("bnpb-anggota"), make_agency("bmkg-anggota")
    admin = api(user=make_user(own, "agency_admin"))
    elsewhere = make_user(other, "editor")
    platform = make_user(superuser=True)
    newcomer = make_user()
    colleague = make_user(own, "viewer")

    for stranger in (elsewhere.pk, platform.pk, 999_999, True):
        response = admin.post(
            "/api/v1/memberships/", {"agency": own.slug, "user": stranger, "role": "viewer"}
        )
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["code"] == "unknown_user"
        assert elsewhere.username.encode() not in response.content
    assert not Membership.objects.filter(agency=own, user__in=[elsewhere, platform]).exists()

    for person in (newcomer, colleague):
        added = admin.post(
            "/api/v1/memberships/", {"agency": own.slug, "user": person.pk, "role": "editor"}
        )
        assert added.status_code == 201, added.content
    # A platform admin may place anyone.
    placed = api(user=platform).post(
        "/api/v1/memberships/", {"agency": own.slug, "user": elsewhere.pk, "role": "viewer"}
    )
    assert placed.status_code == 201, placed.content
