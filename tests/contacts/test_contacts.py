"""Contact points: writes, validation, conflicts, freshness, lookups, REST/GraphQL parity, costs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.contacts.models import ContactPoint
from agencies.contacts.services import contact_create, contact_update
from hub.audit import audit_verify
from hub.errors import PreconditionFailed
from hub.models import AuditEntry, ChangeEvent
from tests.contacts.conftest import as_principal, trail

pytestmark = pytest.mark.django_db

CONTACTS_QUERY = """
query($agency: String, $purpose: [String], $region: String, $q: String, $role: String,
      $stale: Boolean) {
  contacts(first: 100, agency: $agency, purpose: $purpose, region: $region, q: $q, role: $role,
           stale: $stale) {
    edges { node { databaseId channel value normalized display stale region
                   agency { slug } office { name } post { label role } } }
  }
}
"""


def gql_ids(client, **variables):
    body = client.gql(CONTACTS_QUERY, variables)
    assert "errors" not in body, body
    return [edge["node"]["databaseId"] for edge in body["data"]["contacts"]["edges"]]


def rest_ids(client, query=""):
    response = client.get(f"/api/v1/contacts/?limit=200{query}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


def test_create_records_audit_and_change_event_in_one_go(api, world):
    response = api(user=world.bpbd_editor).post(
        "/api/v1/contacts/",
        {
            "agency": "bpbd-uji",
            "post": world.ppid.pk,
            "channel": "whatsapp",
            "value": "0813-3490-0112",
            "purpose": "ppid",
            "label": "WhatsApp PPID",
            "languages": ["id", "jv"],
            "availability": "Mo-Fr 08:00-16:00",
            "source_url": "https://bpbd.malangkab.go.id/kontak",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["normalized"] == "+6281334900112"
    assert body["display"] == "0813-3490-0112"
    assert body["stale"] is False and body["last_verified_by"].startswith("user:")
    assert body["region"] == "35.07"
    assert response["Location"].endswith(f"/api/v1/contacts/{body['id']}/")
    entry = AuditEntry.objects.filter(action="contact.create", entity_id=str(body["id"])).get()
    assert entry.after["normalized"] == "+6281334900112"
    event = ChangeEvent.objects.get(entity="contact_point", entity_id=str(body["id"]))
    assert event.action == "created" and event.data["channel"] == "whatsapp"
    assert list(audit_verify()) == []


def test_warning_for_address_outside_official_domains(api, world):
    response = api(user=world.bpbd_editor, lang="en").post(
        "/api/v1/contacts/",
        {"agency": "bpbd-uji", "channel": "email", "value": "bpbd.malang@gmail.com"},
    )
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        {
            "code": "outside_official_domain",
            "message": "This address is outside the agency's official domains.",
        }
    ]
    ok = api(user=world.bpbd_editor).post(
        "/api/v1/contacts/",
        {"agency": "bpbd-uji", "channel": "website", "value": "bpbd.malangkab.go.id/kontak"},
    )
    assert ok.status_code == 201 and ok.json()["warnings"] == []
    assert ok.json()["normalized"] == "https://bpbd.malangkab.go.id/kontak"


def test_graphql_create_returns_warnings_and_typed_errors(api, world):
    client = api(user=world.bpbd_editor, lang="en")
    mutation = """
    mutation($input: ContactInput!) {
      contactCreate(agency: "bpbd-uji", input: $input) {
        contact { databaseId normalized warnings { code message } }
        errors { field code message }
      }
    }"""
    body = client.gql(mutation, {"input": {"channel": "website", "value": "http://bpbd.id"}})
    assert body["data"]["contactCreate"]["errors"] == [
        {
            "field": "value",
            "code": "url_not_https",
            "message": "The website address must use https://.",
        }
    ]
    body = client.gql(mutation, {"input": {"channel": "website", "value": "https://bpbd.id"}})
    payload = body["data"]["contactCreate"]
    assert payload["errors"] == []
    assert payload["contact"]["warnings"][0]["code"] == "outside_official_domain"


@pytest.mark.parametrize(
    "data, field, code",
    [
        ({"channel": "pigeon", "value": "x"}, "channel", "invalid_choice"),
        (
            {"channel": "voice", "value": "021 3456789", "purpose": "gossip"},
            "purpose",
            "invalid_choice",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "availability": "kadang"},
            "availability",
            "opening_hours_invalid",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "languages": ["Bahasa!"]},
            "languages",
            "invalid_language",
        ),
        (
            {
                "channel": "voice",
                "value": "021 3456789",
                "valid_from": "2025-02-01",
                "valid_through": "2025-01-01",
            },
            "valid_through",
            "dates_reversed",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "valid_from": "kemarin"},
            "valid_from",
            "invalid_date",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "office": 999999},
            "office",
            "unknown_office",
        ),
        ({"channel": "voice", "value": "021 3456789", "is_personal": True}, "person", "required"),
        ({"channel": "voice", "value": "021 3456789", "colour": "red"}, "colour", "unknown_field"),
        ({"channel": "voice", "value": "021 3456789", "label": "x" * 201}, "label", "too_long"),
        (
            {"channel": "voice", "value": "021 3456789", "external_id": "a b"},
            "external_id",
            "invalid_external_id",
        ),
        (
            {"channel": "instagram", "value": "https://instagram.com/p/abc"},
            "value",
            "handle_invalid",
        ),
        (
            {
                "channel": "voice",
                "value": "021 3456789",
                "last_verified_at": "2999-01-01T00:00:00Z",
            },
            "last_verified_at",
            "in_future",
        ),
        # A .NET "minimum date" sent from Jakarta: year 0 in UTC, which no reader can hold.
        (
            {
                "channel": "voice",
                "value": "021 3456789",
                "last_verified_at": "0001-01-01T00:00:00+07:00",
            },
            "last_verified_at",
            "invalid_datetime",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "last_verified_at": "0001-01-01"},
            "last_verified_at",
            "invalid_datetime",
        ),
        (
            {"channel": "voice", "value": "021 3456789", "valid_from": "0001-01-01"},
            "valid_from",
            "invalid_date",
        ),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(api, world, data, field, code):
    before = trail(), ContactPoint.objects.count()
    response = api(user=world.bpbd_editor).post("/api/v1/contacts/", {"agency": "bpbd-uji", **data})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]
    assert (trail(), ContactPoint.objects.count()) == before
    # The agency's directory and the hotlines still read.
    assert api().get("/api/v1/directory/bpbd-uji/").status_code == 200
    assert api(user=world.bpbd_viewer).get("/api/v1/contacts/").status_code == 200


def test_contacts_of_another_agencys_office_are_refused(api, world, make_agency):
    response = api(user=world.other_editor).post(
        "/api/v1/contacts/",
        {
            "agency": "lain-uji",
            "channel": "voice",
            "value": "021 3456789",
            "office": world.office.pk,
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_office"


def test_office_and_post_at_once_is_refused(api, world):
    response = api(user=world.bpbd_editor).post(
        "/api/v1/contacts/",
        {
            "agency": "bpbd-uji",
            "channel": "voice",
            "value": "021 3456789",
            "office": world.office.pk,
            "post": world.ppid.pk,
        },
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "one_owner"


def test_duplicates_conflict(api, world):
    client = api(user=world.bpbd_editor)
    before = trail()
    same_value = client.post(
        "/api/v1/contacts/",
        {
            "agency": "bpbd-uji",
            "office": world.office.pk,
            "channel": "voice",
            "value": "0341 393008",
        },
    )
    assert same_value.status_code == 409
    assert same_value.json()["code"] == "contact_exists"
    same_key = client.post(
        "/api/v1/contacts/",
        {
            "agency": "bpbd-uji",
            "channel": "voice",
            "value": "021 3456789",
            "external_id": "hotline",
        },
    )
    assert same_key.status_code == 409 and same_key.json()["code"] == "external_id_taken"
    assert trail() == before


def test_malformed_oversized_and_wrong_type_bodies(api, world, settings):
    client = api(user=world.bpbd_editor)
    broken = client.client.post(
        "/api/v1/contacts/", data=b"{not json", content_type="application/json"
    )
    assert broken.status_code == 400 and broken.json()["code"] == "malformed_request"
    listed = client.client.post(
        "/api/v1/contacts/", data=b"[1, 2]", content_type="application/json"
    )
    assert listed.status_code == 400 and listed.json()["code"] == "validation_failed"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = client.post(
        "/api/v1/contacts/", {"agency": "bpbd-uji", "channel": "voice", "value": "1" * 2000}
    )
    assert big.status_code == 413 and big.json()["code"] == "payload_too_large"
    text = client.client.post("/api/v1/contacts/", data="x", content_type="text/plain")
    assert text.status_code == 415


def test_who_may_write(api, world, make_user, make_key):
    body = {"agency": "bpbd-uji", "channel": "voice", "value": "021 3456789"}
    assert api().post("/api/v1/contacts/", body).status_code == 401
    assert api(user=world.bpbd_viewer).post("/api/v1/contacts/", body).status_code == 403
    assert api(user=world.other_editor).post("/api/v1/contacts/", body).status_code == 403
    reader = make_key(world.bpbd, "content:read")
    assert api(key=reader).post("/api/v1/contacts/", body).status_code == 403
    writer = make_key(world.bpbd, "content:read", "contacts:write")
    assert api(key=writer).post("/api/v1/contacts/", body).status_code == 201
    admin = make_user(world.bpbd, "agency_admin")
    body["value"] = "021 3456780"
    assert api(user=admin).post("/api/v1/contacts/", body).status_code == 201


def test_foreign_contacts_answer_not_found_or_forbidden(api, world):
    other = api(user=world.other_editor)
    # Not visible at all: the same answer as a missing id.
    assert other.patch(f"/api/v1/contacts/{world.internal.pk}/", {"label": "x"}).status_code == 404
    assert other.delete(f"/api/v1/contacts/{world.personal.pk}/").status_code == 404
    assert other.patch("/api/v1/contacts/99999999/", {"label": "x"}).status_code == 404
    # Visible but not theirs.
    assert other.patch(f"/api/v1/contacts/{world.hotline.pk}/", {"label": "x"}).status_code == 403
    assert other.post(f"/api/v1/contacts/{world.hotline.pk}/verify/").status_code == 403


def test_contacts_do_not_move_between_agencies(api, world):
    response = api(user=world.bpbd_editor).patch(
        f"/api/v1/contacts/{world.hotline.pk}/", {"agency": "lain-uji"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_field"


def test_update_with_if_match_and_expected_version(api, world):
    client = api(user=world.bpbd_editor)
    url = f"/api/v1/contacts/{world.hotline.pk}/"
    etag = client.get(url)["ETag"]
    changed = client.patch(url, {"label": "Pusdalops 24 jam"}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(url, {"label": "lagi"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    with pytest.raises(PreconditionFailed):
        contact_update(
            principal=as_principal(world.bpbd_editor),
            contact=world.hotline,
            data={"label": "x"},
            expected_version=1,
        )


def test_unchanged_update_writes_nothing(world):
    before = trail()
    contact = contact_update(
        principal=as_principal(world.bpbd_editor),
        contact=world.hotline,
        data={"value": "(0341) 393008", "label": "Pusdalops"},
    )
    assert contact.version == 1 and trail() == before


def test_changing_the_value_counts_as_a_new_verification(world):
    ContactPoint.objects.filter(pk=world.hotline.pk).update(
        last_verified_at=timezone.now() - timedelta(days=400), last_verified_by="user:0"
    )
    contact = contact_update(
        principal=as_principal(world.bpbd_editor),
        contact=world.hotline,
        data={"value": "(0341) 393007"},
    )
    assert contact.last_verified_at > timezone.now() - timedelta(minutes=1)
    assert contact.last_verified_by == f"user:{world.bpbd_editor.pk}"


def test_delete_leaves_a_tombstone(api, world):
    response = api(user=world.bpbd_editor).delete(f"/api/v1/contacts/{world.shared.pk}/")
    assert response.status_code == 204
    assert not ContactPoint.objects.filter(pk=world.shared.pk).exists()
    event = ChangeEvent.objects.filter(entity_id=str(world.shared.pk), action="deleted").get()
    assert event.data == {"id": world.shared.pk, "deleted": True}


def test_change_feed_carries_no_restricted_values(world):
    for contact in (world.internal, world.personal, world.shared):
        event = ChangeEvent.objects.get(entity="contact_point", entity_id=str(contact.pk))
        assert "value" not in event.data and event.data["restricted"] is True
    entry = AuditEntry.objects.get(action="contact.create", entity_id=str(world.personal.pk))
    assert entry.after["value"] is None and entry.after["normalized"] is None


# ---------------------------------------------------------------------------
# Freshness
# ---------------------------------------------------------------------------


def _age(contact, days):
    ContactPoint.objects.filter(pk=contact.pk).update(
        last_verified_at=timezone.now() - timedelta(days=days)
    )


def test_stale_after_30_days_for_hotlines_and_180_for_the_rest(api, world):
    _age(world.hotline, 31)
    _age(world.ppid_email, 31)
    client = api(user=world.bpbd_editor)
    stale = {
        row["id"]: row["stale"]
        for row in client.get("/api/v1/contacts/?agency=bpbd-uji").json()["results"]
    }
    assert stale[world.hotline.pk] is True and stale[world.ppid_email.pk] is False
    _age(world.ppid_email, 181)
    assert set(rest_ids(client, "&agency=bpbd-uji&stale=true")) == {
        world.hotline.pk,
        world.ppid_email.pk,
    }
    assert set(gql_ids(client, agency="bpbd-uji", stale=True)) == {
        world.hotline.pk,
        world.ppid_email.pk,
    }


def test_stale_periods_come_from_the_environment(api, world, monkeypatch):
    _age(world.hotline, 10)
    _age(world.ppid_email, 10)
    client = api(user=world.bpbd_editor)
    assert rest_ids(client, "&agency=bpbd-uji&stale=true") == []
    monkeypatch.setenv("HUB_HOTLINE_STALE_DAYS", "7")
    assert rest_ids(client, "&agency=bpbd-uji&stale=true") == [world.hotline.pk]
    monkeypatch.setenv("HUB_CONTACT_STALE_DAYS", "5")
    assert world.ppid_email.pk in rest_ids(client, "&agency=bpbd-uji&stale=true")


def test_stale_list_per_agency_and_verify(api, world):
    _age(world.hotline, 45)
    _age(world.internal, 200)
    client = api(user=world.bpbd_editor)
    groups = client.get("/api/v1/contacts/stale/").json()["results"]
    mine = next(g for g in groups if g["agency"]["slug"] == "bpbd-uji")
    assert {c["id"] for c in mine["contacts"]} == {world.hotline.pk, world.internal.pk}
    assert mine["count"] == 2
    # Another agency sees the public stale contact, never the internal one.
    theirs = api(user=world.other_editor).get("/api/v1/contacts/stale/?agency=bpbd-uji").json()
    assert [c["id"] for g in theirs["results"] for c in g["contacts"]] == [world.hotline.pk]
    gql = client.gql(
        '{ staleContacts(agency: "bpbd-uji") { agency { slug } count contacts { databaseId } } }'
    )
    assert gql["data"]["staleContacts"][0]["count"] == 2

    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    verified = client.post(f"/api/v1/contacts/{world.hotline.pk}/verify/")
    assert verified.status_code == 200
    assert verified.json()["stale"] is False
    assert verified.json()["last_verified_by"] == f"user:{world.bpbd_editor.pk}"
    entry = AuditEntry.objects.filter(pk__gt=before).get()
    assert entry.action == "contact.verify" and entry.actor == f"user:{world.bpbd_editor.pk}"
    body = client.gql(
        "mutation($id: Int!) { contactVerify(id: $id) {"
        " contact { stale lastVerifiedBy } errors { code } } }",
        {"id": world.internal.pk},
    )
    assert body["data"]["contactVerify"]["contact"]["stale"] is False


# ---------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------


def test_filters_by_agency_purpose_region_and_text(api, world):
    client = api()
    assert rest_ids(client, "&agency=bpbd-uji&purpose=emergency") == [world.hotline.pk]
    # The office is in Kepanjen (35.07.13): its region and every region above find it.
    for code in ("35", "35.07", "35.07.13"):
        assert world.hotline.pk in rest_ids(client, f"&region={code}")
    assert world.hotline.pk not in rest_ids(client, "&region=35.07.01")
    assert world.hotline.pk not in rest_ids(client, "&region=35.7")
    assert world.ppid_email.pk in rest_ids(client, "&region=35.07")
    assert rest_ids(client, "&q=pusdalops") == [world.hotline.pk]
    assert rest_ids(client, "&q=BPBD%20Uji&purpose=ppid") == [world.ppid_email.pk]


def test_ppid_and_dpo_are_findable(api, world):
    client = api()
    posts = client.get("/api/v1/posts/?agency=bpbd-uji&role=ppid").json()["results"]
    assert [p["id"] for p in posts] == [world.ppid.pk]
    assert rest_ids(client, "&agency=bpbd-uji&role=ppid") == [world.ppid_email.pk]
    directory = client.get("/api/v1/directory/bpbd-uji/").json()
    assert [p["label"] for p in directory["ppid"]] == ["PPID Pelaksana"]
    assert directory["ppid"][0]["contacts"][0]["normalized"] == "ppid@bpbd.malangkab.go.id"
    assert [p["label"] for p in directory["dpo"]] == ["Pejabat PDP"]
    body = client.gql('{ posts(role: ["dpo"], agency: "bpbd-uji") { edges { node { label } } } }')
    assert body["data"]["posts"]["edges"] == [{"node": {"label": "Pejabat PDP"}}]
    gql = client.gql('{ directory(agency: "bpbd-uji") { ppid { label } dpo { label } } }')
    assert gql["data"]["directory"] == {
        "ppid": [{"label": "PPID Pelaksana"}],
        "dpo": [{"label": "Pejabat PDP"}],
    }


@pytest.mark.parametrize("who", ["anonymous", "other_editor", "bpbd_viewer"])
@pytest.mark.parametrize(
    "rest, gql",
    [
        ("", {}),
        ("&agency=bpbd-uji", {"agency": "bpbd-uji"}),
        ("&purpose=emergency&purpose=ppid", {"purpose": ["emergency", "ppid"]}),
        ("&region=35.07", {"region": "35.07"}),
        ("&q=uji", {"q": "uji"}),
        ("&role=ppid", {"role": "ppid"}),
    ],
)
def test_rest_and_graphql_return_the_same_contacts(api, world, who, rest, gql):
    client = api() if who == "anonymous" else api(user=getattr(world, who))
    assert rest_ids(client, rest) == gql_ids(client, **gql)


def _contacts(world, count, prefix):
    """`count` contacts of BPBD: mostly public, some internal, some personal."""
    principal = as_principal(world.bpbd_editor)
    for i in range(count):
        data = {"channel": "email", "value": f"{prefix}{i}@bpbd.malangkab.go.id", "label": prefix}
        if i % 5 == 1:
            data["visibility"] = "internal"
        if i % 5 == 2:
            data.update(
                visibility="internal",
                is_personal=True,
                person=world.kalaksa.pk,
                legal_basis="consent",
                personal_purpose="Koordinasi",
            )
        contact_create(principal=principal, agency=world.bpbd, data=data)


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(api, world):
    # The agency's own editor: the page holds personal numbers, so each read is also logged.
    client = api(user=world.bpbd_editor)
    counts = {}
    for size in (5, 50):
        prefix = f"hitung{size}x"
        _contacts(world, size, prefix)
        url = f"/api/v1/contacts/?q={prefix}&limit=100&expand=agency,office,post"
        variables = {"q": prefix}
        counts[("rest", size)] = _queries(lambda url=url: client.get(url))
        counts[("graphql", size)] = _queries(
            lambda variables=variables: client.gql(CONTACTS_QUERY, variables)
        )
        assert len(rest_ids(client, f"&q={prefix}")) == size
        assert len(gql_ids(client, q=prefix)) == size
    assert counts[("rest", 5)] == counts[("rest", 50)], counts
    assert counts[("graphql", 5)] == counts[("graphql", 50)], counts
    print(f"contact list queries at 5 and 50 rows: {counts}")
