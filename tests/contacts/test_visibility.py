"""Internal and personal data never leave their agency, in any API or export; reads are logged."""

import base64

import orjson
import pytest

from agencies.contacts.services import person_update
from hub.models import AuditEntry
from tests.contacts.conftest import as_principal

pytestmark = pytest.mark.django_db

INTERNAL = "+62341393010"
SHARED = "+62341393011"
PERSONAL = "+6281233004455"
HOLDER = "Budi Hartono"
PUBLIC = "+62341393008"

GQL_EVERYTHING = """
query($id: Int!, $personal: Int!, $person: Int!) {
  contacts(first: 100) { edges { node { databaseId value normalized display } } }
  contact(id: $id) { value }
  mine: contact(id: $personal) { value normalized }
  person(id: $person) { name }
  persons(first: 100) { edges { node { name honorific } } }
  posts(first: 100) { edges { node { label holder { name } } } }
  directory(agency: "bpbd-uji") {
    contacts { value } posts { holder { name } } ppid { label } offices { name }
  }
  contactVcard(id: $personal)
  contactJcard(id: $personal)
  directoryVcard(agency: "bpbd-uji")
  directoryJcard(agency: "bpbd-uji")
  popolo
  contactsCsv
  staleContacts { contacts { value } }
}
"""


def everything(client, world) -> str:
    """Every read and export of the directory, concatenated, as this client sees it."""
    parts = []
    for url in (
        "/api/v1/contacts/?limit=200",
        f"/api/v1/contacts/{world.internal.pk}/",
        f"/api/v1/contacts/{world.personal.pk}/",
        f"/api/v1/contacts/{world.shared.pk}/",
        f"/api/v1/contacts/{world.personal.pk}/vcard/",
        f"/api/v1/contacts/{world.internal.pk}/jcard/",
        "/api/v1/contacts/csv/",
        "/api/v1/contacts/stale/",
        "/api/v1/persons/?limit=200",
        f"/api/v1/persons/{world.kalaksa.pk}/",
        "/api/v1/posts/?limit=200",
        "/api/v1/directory/bpbd-uji/",
        "/api/v1/directory/bpbd-uji/vcard/",
        "/api/v1/directory/bpbd-uji/jcard/",
        "/api/v1/directory/popolo/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code, response.content)
        parts.append(response.content.decode())
    body = client.gql(
        GQL_EVERYTHING,
        {"id": world.internal.pk, "personal": world.personal.pk, "person": world.kalaksa.pk},
    )
    assert "errors" not in body, body
    assert body["data"]["directoryVcard"].startswith("BEGIN:VCARD")
    assert body["data"]["popolo"]["organizations"]
    parts.append(orjson.dumps(body).decode())
    return "\n".join(parts)


@pytest.mark.parametrize("who", ["anonymous", "other_editor", "other_system"])
def test_outsiders_never_see_internal_or_personal_data(api, world, make_key, who):
    if who == "anonymous":
        client = api()
    elif who == "other_system":
        client = api(key=make_key(world.other, "content:read", "contacts:write"))
    else:
        client = api(user=world.other_editor)
    seen = everything(client, world)
    assert PUBLIC in seen
    for secret in (INTERNAL, PERSONAL, HOLDER, "Koordinasi darurat"):
        assert secret not in seen, secret
    # Shared-between-agencies contacts: other agencies yes, anonymous no.
    assert (SHARED in seen) is (who != "anonymous")
    assert not AuditEntry.objects.filter(action="pdp.read").exists()


def test_own_agency_sees_everything_and_each_read_is_logged(api, world):
    client = api(user=world.bpbd_viewer)
    seen = everything(client, world)
    for value in (PUBLIC, INTERNAL, SHARED, PERSONAL, HOLDER):
        assert value in seen, value
    reads = AuditEntry.objects.filter(action="pdp.read")
    assert reads.exists()
    for entry in reads:
        assert entry.actor == f"user:{world.bpbd_viewer.pk}"
        assert entry.after["client"] == "web"
        assert entry.after["persons"] == [world.kalaksa.pk]
    assert any(world.personal.pk in entry.after["contacts"] for entry in reads)
    vias = {entry.after["via"] for entry in reads}
    assert "graphql" in vias and any(via.startswith("rest:GET /api/v1/contacts/") for via in vias)


def test_one_log_entry_per_response_naming_the_client(api, world, make_key):
    key = make_key(world.bpbd, "content:read")
    client = api(key=key)
    response = client.get("/api/v1/contacts/?agency=bpbd-uji")
    assert PERSONAL in response.content.decode()
    (entry,) = AuditEntry.objects.filter(action="pdp.read")
    assert entry.actor.startswith("system:key:")
    assert entry.after["client"] == entry.actor.removeprefix("system:")
    assert entry.after["contacts"] == [world.personal.pk]
    assert entry.request_id and entry.at is not None
    # A page without personal fields is not a read of personal data.
    client.get("/api/v1/contacts/?agency=bpbd-uji&fields=id,channel")
    client.gql('{ contacts(agency: "bpbd-uji", first: 50) { edges { node { databaseId } } } }')
    assert AuditEntry.objects.filter(action="pdp.read").count() == 1


def test_a_consented_holder_is_public_and_not_logged(api, world):
    person_update(
        principal=as_principal(world.bpbd_editor), person=world.kalaksa, data={"consent": True}
    )
    posts = api().get("/api/v1/posts/?agency=bpbd-uji").json()["results"]
    head = next(p for p in posts if p["id"] == world.head.pk)
    assert head["holder"] == {"id": world.kalaksa.pk, "name": HOLDER, "honorific": "Ir."}
    popolo = api().get("/api/v1/directory/popolo/").json()
    assert any(p["name"] == HOLDER for p in popolo["persons"])
    # The personal number itself stays inside the agency.
    assert PERSONAL not in orjson.dumps(popolo).decode()
    assert not AuditEntry.objects.filter(action="pdp.read").exists()


def test_personal_numbers_need_consent_to_be_public(api, world):
    client = api(user=world.bpbd_editor)
    url = f"/api/v1/contacts/{world.personal.pk}/"
    refused = client.patch(url, {"visibility": "public"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "consent_required"
    person_update(
        principal=as_principal(world.bpbd_editor), person=world.kalaksa, data={"consent": True}
    )
    assert client.patch(url, {"visibility": "public"}).status_code == 200
    # Even then the policy keeps personal numbers inside the agency.
    assert PERSONAL not in api().get("/api/v1/contacts/?limit=200").content.decode()
    withdrawn = client.patch(f"/api/v1/persons/{world.kalaksa.pk}/", {"consent": False})
    assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "consent_in_use"


def test_csv_import_cannot_reveal_foreign_rows(api, world):
    """An import by another agency writes into its own agency only."""
    content = b"external_id,channel,value\ninternal,voice,021 3456789\n"
    client = api(user=world.other_editor)
    response = client.client.post(
        "/api/v1/contacts/import/?agency=lain-uji&dry_run=true",
        data=content,
        content_type="text/csv",
    )
    assert response.status_code == 200
    assert response.json()["created"] == 1 and response.json()["updated"] == 0
    body = client.gql(
        'mutation($c: String!) { contactsImport(agency: "bpbd-uji", content: $c, dryRun: true)'
        " { report { rows } errors { code } } }",
        {"c": base64.b64encode(content).decode()},
    )
    assert body["data"]["contactsImport"]["errors"] == [{"code": "permission_denied"}]
