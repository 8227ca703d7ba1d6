"""Offices, posts, persons and the short-code allow-list through REST and GraphQL; the demo data."""

import pytest
from django.contrib.auth import get_user_model

from agencies.contact_values import DEFAULT_SHORT_CODES
from agencies.contacts.models import ContactPoint, Office, Person, Post, ShortCode
from hub.demo import demo_load
from tests.contacts.conftest import trail

pytestmark = pytest.mark.django_db

OFFICE = {
    "agency": "bpbd-uji",
    "external_id": "posko-dampit",
    "name": "Posko Dampit",
    "address": "Jl. Raya Dampit No. 1",
    "region": "35.07.05",
    "latitude": -8.21,
    "longitude": 112.75,
    "opening_hours": "Mo-Fr 08:00-16:00; Sa 08:00-12:00",
}


def test_office_lifecycle(api, world):
    client = api(user=world.bpbd_editor)
    created = client.post("/api/v1/offices/", OFFICE)
    assert created.status_code == 201, created.content
    office = created.json()
    assert office["region"] == "35.07.05" and office["latitude"] == "-8.210000"
    assert office["external_id"] == "posko-dampit"
    assert api().get(f"/api/v1/offices/{office['id']}/").status_code == 200
    assert client.post("/api/v1/offices/", OFFICE).status_code == 409
    url = f"/api/v1/offices/{office['id']}/"
    changed = client.patch(url, {"opening_hours": "24/7"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert client.patch(url, {"latitude": 95}).json()["errors"][0]["code"] == "invalid_coordinate"
    assert client.patch(url, {"region": "99"}).json()["errors"][0]["code"] == "unknown_region"
    assert client.patch(url, {"longitude": None}).json()["errors"][0]["code"] == (
        "coordinates_incomplete"
    )
    assert api(user=world.other_editor).patch(url, {"name": "x"}).status_code == 403
    # An office with contacts cannot go.
    in_use = client.delete(f"/api/v1/offices/{world.office.pk}/")
    assert in_use.status_code == 409 and in_use.json()["code"] == "office_in_use"
    assert client.delete(url).status_code == 204
    assert not Office.objects.filter(pk=office["id"]).exists()
    rows = api().get("/api/v1/offices/?region=35.07&agency=bpbd-uji").json()["results"]
    assert [row["id"] for row in rows] == [world.office.pk]


def test_posts_hand_over_without_losing_contacts(api, world):
    client = api(user=world.bpbd_editor)
    successor = client.post("/api/v1/persons/", {"agency": "bpbd-uji", "name": "Sari Dewi"})
    assert successor.status_code == 201
    url = f"/api/v1/posts/{world.ppid.pk}/"
    handed = client.patch(
        url, {"holder": successor.json()["id"], "start_date": "2025-01-02", "end_date": None}
    )
    assert handed.status_code == 200, handed.content
    assert handed.json()["holder"]["name"] == "Sari Dewi"
    assert ContactPoint.objects.get(pk=world.ppid_email.pk).post_id == world.ppid.pk
    # Outsiders see the post, not the holder who has not consented.
    seen = api().get(url).json()
    assert seen["label"] == "PPID Pelaksana" and seen["holder"] is None
    bad = client.patch(url, {"start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert bad.json()["errors"][0]["code"] == "dates_reversed"
    assert client.patch(url, {"role": "boss"}).json()["errors"][0]["code"] == "invalid_choice"
    foreign = client.patch(url, {"holder": 99999999})
    assert foreign.json()["errors"][0]["code"] == "unknown_person"
    assert client.delete(url).status_code == 409
    assert client.delete(f"/api/v1/posts/{world.dpo.pk}/").status_code == 204


def test_graphql_writes_use_the_same_services(api, world):
    client = api(user=world.bpbd_editor)
    body = client.gql(
        """mutation($input: OfficeInput!) {
             officeCreate(agency: "bpbd-uji", input: $input) {
               office { databaseId name region { code } latitude } errors { field code } } }""",
        {
            "input": {
                "name": "Posko Turen",
                "address": "Jl. Turen",
                "region": "35.07.09",
                "latitude": -8.17,
                "longitude": 112.69,
            }
        },
    )
    office = body["data"]["officeCreate"]["office"]
    assert office["region"]["code"] == "35.07.09" and office["latitude"] == -8.17
    body = client.gql(
        """mutation($id: Int!) {
             postUpdate(id: $id, input: {label: "PPID"}, expectedVersion: 7) {
               post { label } errors { code } } }""",
        {"id": world.ppid.pk},
    )
    assert body["data"]["postUpdate"]["errors"] == [{"code": "precondition_failed"}]
    anonymous = api().gql(
        'mutation { postCreate(agency: "bpbd-uji", input: {label: "X", role: "other"})'
        " { errors { code } } }"
    )
    assert anonymous["data"]["postCreate"]["errors"] == [{"code": "not_authenticated"}]
    before = trail()
    denied = api(user=world.other_editor).gql(
        'mutation { personCreate(agency: "bpbd-uji", input: {name: "X"}) { errors { code } } }'
    )
    assert denied["data"]["personCreate"]["errors"] == [{"code": "permission_denied"}]
    assert trail() == before


def test_short_codes_are_seeded_and_admin_maintained(api, world, make_user):
    assert dict(ShortCode.objects.values_list("code", "description")) == DEFAULT_SHORT_CODES
    listed = api().get("/api/v1/short-codes/").json()["results"]
    assert [row["code"] for row in listed] == sorted(DEFAULT_SHORT_CODES)
    body = {"agency": "bpbd-uji", "channel": "voice", "value": "164", "purpose": "emergency"}
    editor = api(user=world.bpbd_editor)
    assert editor.post("/api/v1/contacts/", body).json()["errors"][0]["code"] == (
        "short_code_not_allowed"
    )
    assert (
        editor.post("/api/v1/short-codes/", {"code": "164", "description": "x"}).status_code == 403
    )
    admin = api(user=make_user(superuser=True))
    added = admin.post("/api/v1/short-codes/", {"code": "164", "description": "BPBD DKI"})
    assert added.status_code == 201
    assert (
        admin.post("/api/v1/short-codes/", {"code": "164", "description": "x"}).status_code == 409
    )
    assert (
        admin.post("/api/v1/short-codes/", {"code": "0164", "description": "x"}).status_code == 400
    )
    assert editor.post("/api/v1/contacts/", body).status_code == 201
    assert admin.delete("/api/v1/short-codes/164/").status_code == 204
    body["external_id"] = "lagi"
    body["label"] = "again"
    body["office"] = world.office.pk
    assert editor.post("/api/v1/contacts/", body).status_code == 400
    gql = api().gql("{ shortCodes { code } }")["data"]["shortCodes"]
    assert [row["code"] for row in gql] == sorted(DEFAULT_SHORT_CODES)


def test_the_admin_edits_short_codes_through_the_service(world, make_user, client):
    admin = make_user(superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/contacts/shortcode/add/", {"code": "164", "description": "BPBD DKI Jakarta"}
    )
    assert response.status_code == 302, response.content
    assert ShortCode.objects.filter(code="164").exists()
    from hub.models import AuditEntry

    entry = AuditEntry.objects.filter(action="shortcode.create").get()
    assert entry.actor == f"user:{admin.pk}" and entry.after["code"] == "164"
    refused = client.post("/admin/contacts/shortcode/add/", {"code": "0164", "description": "x"})
    assert refused.status_code == 200 and not ShortCode.objects.filter(code="0164").exists()
    removed = client.post(
        "/admin/contacts/shortcode/",
        {
            "action": "remove",
            "_selected_action": [ShortCode.objects.get(code="164").pk],
        },
    )
    assert removed.status_code == 302
    assert not ShortCode.objects.filter(code="164").exists()
    assert AuditEntry.objects.filter(action="shortcode.delete").exists()
    # Agency staff do not maintain the list.
    client.force_login(world.bpbd_editor)
    assert client.get("/admin/contacts/shortcode/add/").status_code in (302, 403)


def test_demo_data_loads_once(api):
    demo_load()
    written = trail()
    counts = (Office.objects.count(), Post.objects.count(), ContactPoint.objects.count())
    demo_load()
    assert trail() == written
    assert (Office.objects.count(), Post.objects.count(), ContactPoint.objects.count()) == counts

    client = api()
    bnpb = client.get("/api/v1/contacts/?agency=bnpb&purpose=emergency").json()["results"]
    assert [c["normalized"] for c in bnpb] == ["117"]
    hotline = client.get("/api/v1/hotlines?region=35.07.13.2001").json()
    assert hotline["results"][0]["agency"]["slug"] == "bpbd-kab-malang"
    assert hotline["results"][0]["contact"]["normalized"] == "+62341393008"
    for slug in ("komdigi", "bnpb", "bmkg", "pemprov-jatim", "pemkab-malang", "bpbd-kab-malang"):
        directory = client.get(f"/api/v1/directory/{slug}/").json()
        assert directory["ppid"] and directory["offices"], slug
        assert any(p["role"] == "humas" for p in directory["posts"]), slug
    bpbd = ContactPoint.objects.filter(agency__slug="bpbd-kab-malang")
    assert bpbd.filter(visibility="internal", is_personal=False).exists()
    assert bpbd.filter(is_personal=True, person__name="Budi Hartono").exists()
    stale = client.get("/api/v1/contacts/?agency=bpbd-kab-malang&stale=true").json()["results"]
    assert [c["channel"] for c in stale] == ["fax"]
    komdigi = client.get("/api/v1/contacts/?agency=komdigi&purpose=pengaduan").json()["results"]
    assert komdigi[0]["warnings"][0]["code"] == "outside_official_domain"
    # Demo staff of BPBD see the internal and personal lines; others do not.
    staff = get_user_model().objects.get(username="bpbd-kab-malang.viewer")
    own = api(user=staff).get("/api/v1/contacts/?agency=bpbd-kab-malang&limit=100").json()
    assert len(own["results"]) == bpbd.count()
    outsider = get_user_model().objects.get(username="bnpb.viewer")
    theirs = api(user=outsider).get("/api/v1/contacts/?agency=bpbd-kab-malang&limit=100").json()
    assert len(theirs["results"]) == bpbd.filter(visibility="public", is_personal=False).count()
    assert Person.objects.get(name="Rina Wulandari").consent_at is not None
