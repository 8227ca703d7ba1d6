"""Exports: vCard 4.0 (parsed by vobject), jCard, Popolo JSON (required fields), CSV."""

import csv
import io

import orjson
import pytest
import vobject

from agencies.contacts.services import contact_create, person_update
from tests.contacts.conftest import as_principal

pytestmark = pytest.mark.django_db

# Required properties per object, from the Popolo JSON schemas (popoloproject.com/schemas).
POPOLO_REQUIRED = {
    "organizations": ("name",),
    "posts": ("label", "organization_id"),
    "persons": ("name",),
    "memberships": ("person_id", "organization_id"),
}
CONTACT_DETAIL_REQUIRED = ("type", "value")


def parse(text):
    return list(vobject.readComponents(text))


def _social(world):
    contact_create(
        principal=as_principal(world.bpbd_editor),
        agency=world.bpbd,
        data={"channel": "instagram", "value": "@bpbdkabmalang", "purpose": "media"},
    )


def test_agency_vcard_parses_and_round_trips(api, world):
    _social(world)
    response = api().get("/api/v1/directory/bpbd-uji/vcard/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    text = response.content.decode()
    cards = parse(text)
    by_name = {card.fn.value: card for card in cards}
    agency = by_name["BPBD Kabupaten Uji"]
    assert agency.version.value == "4.0"
    office = by_name["Kantor BPBD Uji"]
    assert [tel.value for tel in office.tel_list] == ["tel:+62341393008"]
    assert office.tel_list[0].params["PREF"] == ["1"]
    assert office.adr.value.street == "Jl. Trunojoyo Kav. 4, Kepanjen"
    assert office.adr.value.code == "65163"
    assert office.geo.value == "geo:-8.1312,112.5694"
    ppid = by_name["PPID Pelaksana — BPBD Uji"]
    assert [email.value for email in ppid.email_list] == ["ppid@bpbd.malangkab.go.id"]
    assert ppid.title.value == "PPID Pelaksana"
    social = "".join(text.split("\r\n "))
    assert "SOCIALPROFILE;SERVICE-TYPE=Instagram;USERNAME=bpbdkabmalang:" in social

    # Round trip: what vobject writes back parses to the same values.
    again = parse("".join(card.serialize() for card in cards))
    assert [c.fn.value for c in again] == [c.fn.value for c in cards]
    assert [[t.value for t in getattr(c, "tel_list", [])] for c in again] == [
        [t.value for t in getattr(c, "tel_list", [])] for c in cards
    ]
    assert [c.uid.value for c in again] == [c.uid.value for c in cards]
    # UIDs are stable: the same export twice gives the same cards.
    assert api().get("/api/v1/directory/bpbd-uji/vcard/").content.decode() == text


def test_contact_vcard_and_jcard(api, world):
    client = api()
    vcard = client.get(f"/api/v1/contacts/{world.hotline.pk}/vcard/")
    (card,) = parse(vcard.content.decode())
    assert card.fn.value == "Pusdalops"
    assert card.org.value == ["BPBD Kabupaten Uji", "Kantor BPBD Uji"]
    assert [t.value for t in card.tel_list] == ["tel:+62341393008"]
    assert "24/7" in card.note.value
    jcard = client.get(f"/api/v1/contacts/{world.hotline.pk}/jcard/")
    assert jcard["Content-Type"] == "application/vcard+json"
    data = orjson.loads(jcard.content)
    assert data[0] == "vcard" and data[1][0] == ["version", {}, "text", "4.0"]
    tels = [prop for prop in data[1] if prop[0] == "tel"]
    assert tels == [["tel", {"type": ["work", "voice"], "pref": "1"}, "uri", "tel:+62341393008"]]
    agency = orjson.loads(client.get("/api/v1/directory/bpbd-uji/jcard/").content)
    assert all(card[0] == "vcard" for card in agency)
    names = [next(p[3] for p in card[1] if p[0] == "fn") for card in agency]
    assert "Kantor BPBD Uji" in names
    gql = client.gql(
        "query($id: Int!) { contactJcard(id: $id) contactVcard(id: $id) }", {"id": world.hotline.pk}
    )
    assert gql["data"]["contactJcard"] == data
    assert gql["data"]["contactVcard"] == vcard.content.decode()


def test_vcard_accept_header_is_honoured(api, world):
    response = api().get(f"/api/v1/contacts/{world.hotline.pk}/vcard/", HTTP_ACCEPT="text/vcard")
    assert response.status_code == 200
    missing = api().get("/api/v1/contacts/99999999/vcard/", HTTP_ACCEPT="text/vcard")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def _check_popolo(document):
    assert set(POPOLO_REQUIRED) <= set(document)
    ids = {}
    for collection, required in POPOLO_REQUIRED.items():
        for item in document[collection]:
            for name in required:
                assert isinstance(item.get(name), str) and item[name], (collection, name, item)
            assert item["id"] not in ids.setdefault(collection, set())
            ids[collection].add(item["id"])
            for detail in item.get("contact_details", []):
                for name in CONTACT_DETAIL_REQUIRED:
                    assert isinstance(detail.get(name), str) and detail[name], detail
    for post in document["posts"]:
        assert post["organization_id"] in ids["organizations"]
    for membership in document["memberships"]:
        assert membership["person_id"] in ids["persons"]
        assert membership["organization_id"] in ids["organizations"]
        assert membership["post_id"] in ids["posts"]
    for organization in document["organizations"]:
        if "parent_id" in organization:
            assert organization["parent_id"] in ids["organizations"]


def test_popolo_has_every_required_field(api, world):
    person_update(
        principal=as_principal(world.bpbd_editor), person=world.kalaksa, data={"consent": True}
    )
    _social(world)
    for client in (api(), api(user=world.bpbd_editor), api(user=world.other_editor)):
        document = client.get("/api/v1/directory/popolo/").json()
        _check_popolo(document)
    document = api().get("/api/v1/directory/popolo/").json()
    bpbd = next(o for o in document["organizations"] if o["id"] == "agency:bpbd-uji")
    assert bpbd["parent_id"] == "agency:pemkab-uji"
    assert bpbd["area_id"] == "kode-wilayah:35.07"
    assert {"type": "voice", "value": "+62341393008"}.items() <= bpbd["contact_details"][0].items()
    assert any(d["type"] == "instagram" for d in bpbd["contact_details"])
    (membership,) = [m for m in document["memberships"] if m["post_id"] == f"post:{world.head.pk}"]
    assert membership["person_id"] == f"person:{world.kalaksa.pk}"
    ppid = next(p for p in document["posts"] if p["id"] == f"post:{world.ppid.pk}")
    assert ppid["contact_details"][0]["value"] == "ppid@bpbd.malangkab.go.id"
    gql = api().gql("{ popolo }")["data"]["popolo"]
    assert gql == document
    # The agency's own staff also see the holder's personal number, under the person.
    own = api(user=world.bpbd_editor).get("/api/v1/directory/popolo/").json()
    (person,) = [p for p in own["persons"] if p["id"] == f"person:{world.kalaksa.pk}"]
    assert [d["value"] for d in person["contact_details"]] == ["+6281233004455"]
    assert "+6281233004455" not in orjson.dumps(document).decode()


def test_csv_export_is_safe_and_imports_back_unchanged(api, world):
    contact_create(
        principal=as_principal(world.bpbd_editor),
        agency=world.bpbd,
        data={
            "external_id": "formula",
            "channel": "voice",
            "value": "021 3456789",
            "label": '=HYPERLINK("x")',
        },
    )
    client = api(user=world.bpbd_editor)
    response = client.get("/api/v1/contacts/csv/?agency=bpbd-uji")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    labels = {row["label"] for row in rows}
    assert '\'=HYPERLINK("x")' in labels
    hotline = next(row for row in rows if row["external_id"] == "hotline")
    assert hotline["normalized"] == "+62341393008" and hotline["office"] == "kantor"
    assert hotline["stale"] == "false" and hotline["agency"] == "bpbd-uji"
    report = client.client.post(
        "/api/v1/contacts/import/?agency=bpbd-uji&dry_run=true",
        data=response.content,
        content_type="text/csv",
    ).json()
    # Every row, the guarded formula too, reads back as what is stored.
    assert report["errors"] == []
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, len(rows))
