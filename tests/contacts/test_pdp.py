"""Personal data (UU PDP): export to the data subject and erasure, from the CLI and the API."""

import orjson
import pytest
from django.core.management import CommandError, call_command, get_commands

from agencies.contacts.models import ContactPoint, Person, Post
from hub.audit import audit_verify
from hub.models import AuditEntry, ChangeEvent

pytestmark = pytest.mark.django_db


def test_commands_are_installed():
    commands = get_commands()
    # `python -m hub pdp-export` maps the dashes to these names.
    assert commands["pdp_export"] == "agencies.contacts"
    assert commands["pdp_erase"] == "agencies.contacts"


def test_export_prints_the_person_their_numbers_and_who_read_them(api, world, capsys):
    api(user=world.bpbd_viewer).get("/api/v1/contacts/?agency=bpbd-uji")
    call_command("pdp_export", "--person", str(world.kalaksa.pk))
    data = orjson.loads(capsys.readouterr().out)
    assert data["person"]["name"] == "Budi Hartono"
    assert data["person"]["honorific"] == "Ir." and data["person"]["consent_at"] is None
    assert [p["id"] for p in data["posts"]] == [world.head.pk]
    (number,) = data["personal_contacts"]
    assert number["value"] == "0812-3300-4455"
    assert number["legal_basis"] == "legitimate_interest"
    (read,) = data["reads"]
    assert read["actor"] == f"user:{world.bpbd_viewer.pk}" and read["client"] == "web"
    assert read["via"].startswith("rest:GET /api/v1/contacts/")
    entry = AuditEntry.objects.filter(action="pdp.export").get()
    assert entry.actor == "cli:pdp-export" and entry.entity_id == str(world.kalaksa.pk)
    assert "Budi" not in orjson.dumps(entry.after).decode()


def test_erase_keeps_the_post_and_official_contacts(world, capsys):
    official = world.hotline.pk, world.ppid_email.pk, world.internal.pk
    call_command("pdp_erase", "--person", str(world.kalaksa.pk))
    summary = orjson.loads(capsys.readouterr().out)["erased"]
    assert summary["contacts"] == [world.personal.pk] and summary["posts"] == [world.head.pk]
    assert not Person.objects.filter(pk=world.kalaksa.pk).exists()
    assert not ContactPoint.objects.filter(pk=world.personal.pk).exists()
    head = Post.objects.get(pk=world.head.pk)
    assert head.holder_id is None and head.label == "Kepala Pelaksana BPBD"
    assert ContactPoint.objects.filter(pk__in=official).count() == 3
    entry = AuditEntry.objects.filter(action="pdp.erase").get()
    assert entry.actor == "cli:pdp-erase"
    # Nothing in the audit log or the change feed still carries the erased data.
    for text in (
        orjson.dumps(list(AuditEntry.objects.values("before", "after"))).decode(),
        orjson.dumps(list(ChangeEvent.objects.values("data"))).decode(),
    ):
        assert "Budi" not in text and "3300" not in text and "+6281233004455" not in text
    assert list(audit_verify()) == []
    with pytest.raises(CommandError, match="no person"):
        call_command("pdp_erase", "--person", str(world.kalaksa.pk))


def test_api_export_and_erase_follow_the_policy(api, world):
    url = f"/api/v1/persons/{world.kalaksa.pk}/"
    assert api().get(f"{url}pdp-export/").status_code == 404
    assert api(user=world.other_editor).delete(url).status_code == 404
    assert api(user=world.bpbd_viewer).get(f"{url}pdp-export/").status_code == 403
    exported = api(user=world.bpbd_editor).get(f"{url}pdp-export/")
    assert exported.status_code == 200 and exported["Cache-Control"] == "private, no-store"
    assert exported.json()["person"]["name"] == "Budi Hartono"
    assert api(user=world.bpbd_viewer).delete(url).status_code == 403
    body = api(user=world.bpbd_editor).gql(
        "mutation($id: Int!) { personErase(id: $id) { ok errors { code } } }",
        {"id": world.kalaksa.pk},
    )
    assert body["data"]["personErase"] == {"ok": True, "errors": []}
    assert not Person.objects.filter(pk=world.kalaksa.pk).exists()


def test_persons_hold_no_national_ids(api, world):
    response = api(user=world.bpbd_editor).post(
        "/api/v1/persons/", {"agency": "bpbd-uji", "name": "Sari", "nik": "3507010101010001"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "nik",
        "code": "unknown_field",
        "message": "Kolom tidak dikenal.",
    }
    fields = {field.name for field in Person._meta.get_fields()}
    assert not fields & {"nik", "national_id", "ktp"}


def test_consent_is_recorded_with_who_and_when(api, world):
    client = api(user=world.bpbd_editor)
    response = client.patch(
        f"/api/v1/persons/{world.kalaksa.pk}/", {"consent": True, "consent_note": "Formulir 12"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["consent"] is True and body["consent_at"]
    assert body["consent_recorded_by"] == f"user:{world.bpbd_editor.pk}"
    # Now anyone may see the name; without consent nobody outside the agency could.
    assert api().get(f"/api/v1/persons/{world.kalaksa.pk}/").json()["name"] == "Budi Hartono"
