"""The Django admin asks the same policy and services as the API."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, ApiClient, ApiKey, Membership
from hub.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(make_user):
    client = Client()
    client.force_login(make_user(superuser=True))
    return client


def test_changelists_with_search_and_filters(superuser_client, make_agency):
    make_agency("bpbd-admin", name="BPBD Admin Uji", type="perangkat_daerah", region="35.07")
    response = superuser_client.get(
        "/admin/agencies/agency/?q=admin+uji&type__exact=perangkat_daerah"
    )
    assert response.status_code == 200 and b"BPBD Admin Uji" in response.content
    response = superuser_client.get("/admin/agencies/region/?q=Malang&level__exact=2")
    assert response.status_code == 200 and b"Kabupaten Malang" in response.content
    assert superuser_client.get("/admin/hub/auditentry/").status_code == 200


def test_admin_add_agency_uses_the_same_validation(superuser_client):
    form = {
        "name": "Pemkab Salah",
        "slug": "pemkab-salah",
        "type": "pemkab",
        "region": "35",
        "status": "active",
        "official_domains": "",
        "identifiers": "[]",
        "acronym": "",
        "website": "",
    }
    response = superuser_client.post("/admin/agencies/agency/add/", form)
    assert response.status_code == 200  # the form comes back with the error
    assert (
        "35" in response.content.decode()
        and not Agency.objects.filter(slug="pemkab-salah").exists()
    )
    form["region"] = "35.07"
    response = superuser_client.post("/admin/agencies/agency/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(slug="pemkab-salah")
    assert AuditEntry.objects.filter(action="agency.create", entity_id=str(agency.pk)).exists()


def test_admin_issues_a_key_once(superuser_client, make_agency):
    agency = make_agency("kunci-admin")
    response = superuser_client.post(
        "/admin/agencies/apikey/add/",
        {"agency": agency.pk, "name": "Portal", "scopes": ["content:read"], "expires_at": ""},
        follow=True,
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(agency=agency)
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"smpl_{key.prefix}_" in message for message in shown)


def test_agency_admin_sees_only_own_agency(make_agency, make_user):
    own = make_agency("milik-sendiri")
    other = make_agency("milik-lain")
    admin_user = make_user(own, "agency_admin")  # not marked is_staff: the membership counts
    make_user(other, "editor")
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/agencies/membership/")
    assert response.status_code == 200
    listed = set(response.context["cl"].queryset.values_list("agency__slug", flat=True))
    assert listed == {"milik-sendiri"}
    assert Membership.objects.filter(agency=other).exists()


def _sign_in(client: Client, user) -> object:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": "test-password-123", "next": "/admin/"},
    )


@pytest.mark.parametrize("role", ["agency_admin", "editor", "verifier", "viewer"])
def test_an_agencys_staff_sign_in_with_their_password(make_agency, make_user, role):
    # The hub never sets Django's is_staff for an agency's people: the membership counts.
    person = make_user(make_agency(), role)
    assert not person.is_staff
    client = Client()
    assert _sign_in(client, person)["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200 and b"Administrasi" in index.content
    members = client.get("/admin/agencies/membership/")
    assert members.status_code == 200
    may_add = client.get("/admin/agencies/membership/add/").status_code
    assert may_add == (200 if role == "agency_admin" else 403)
    # Region codes are reference data: the agency form's region search works for everyone.
    found = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "agencies",
            "model_name": "agency",
            "field_name": "region",
            "term": "Kabupaten Malang",
        },
    )
    assert found.status_code == 200
    assert "35.07 Kabupaten Malang" in {row["text"] for row in found.json()["results"]}


def test_accounts_outside_every_active_agency_are_refused(make_agency, make_user):
    nobody = make_user()  # a valid password, but no agency
    wrong = Client().post(
        "/admin/login/", {"username": nobody.username, "password": "salah", "next": "/admin/"}
    )
    assert "bukan staf instansi yang aktif" in wrong.content.decode()  # the same answer
    suspended = make_user(make_agency(status="suspended"), "agency_admin")
    for person in (nobody, suspended):
        client = Client()
        refused = _sign_in(client, person)
        assert refused.status_code == 200  # the form again, with its error
        assert "bukan staf instansi yang aktif" in refused.content.decode()
        assert client.get("/admin/").status_code == 302  # back to the sign-in page
        client.force_login(person)  # a session made elsewhere (SSO) is no key either
        assert client.get("/admin/").status_code == 302
        assert client.get("/admin/agencies/membership/").status_code == 302


def test_an_agency_admin_adds_records_only_for_their_own_agencies(make_agency, make_user):
    own, other = make_agency("milik-admin"), make_agency("bukan-milik")
    client = Client()
    client.force_login(make_user(own, "agency_admin"))
    form = client.get("/admin/agencies/apikey/add/").context["adminform"].form
    assert list(form.fields["agency"].queryset) == [own]
    # Another agency's id, sent anyway, is the form's error, not an API error page.
    refused = client.post(
        "/admin/agencies/apikey/add/",
        {"agency": other.pk, "name": "Situs", "scopes": ["content:read"], "expires_at": ""},
    )
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")
    assert refused.context["adminform"].form.errors["agency"]
    assert not ApiKey.objects.exists()


def test_a_service_refusal_comes_back_to_the_admin_page_as_a_message(make_agency, make_user):
    # API clients live in Keycloak; the embedded identity has none to create.
    agency = make_agency("klien-admin")
    client = Client()
    client.force_login(make_user(agency, "agency_admin"))
    refused = client.post(
        "/admin/agencies/apiclient/add/",
        {"agency": agency.pk, "name": "Situs web", "scopes": ["content:read"]},
        follow=True,
    )
    assert refused.redirect_chain == [("/admin/agencies/apiclient/add/", 302)]
    assert refused["Content-Type"].startswith("text/html")
    shown = [str(message) for message in refused.context["messages"]]
    assert shown == ["Klien API memerlukan Keycloak; gunakan kunci API."]
    assert not ApiClient.objects.exists()


def test_an_admin_page_reads_the_persons_roles_once(make_agency, make_user):
    client = Client()
    client.force_login(make_user(make_agency("sekali-baca"), "agency_admin"))
    with CaptureQueriesContext(connection) as ran:
        index = client.get("/admin/")
    assert index.status_code == 200 and b"/admin/agencies/membership/" in index.content
    roles = [q["sql"] for q in ran.captured_queries if 'FROM "agencies_membership"' in q["sql"]]
    assert len(roles) == 1, roles


def test_an_agency_admin_removes_a_member_and_never_edits_a_role_in_place(make_agency, make_user):
    own, other = make_agency("anggota-admin"), make_agency("anggota-lain")
    admin_user = make_user(own, "agency_admin")
    member = make_user(own, "editor")
    stranger = make_user(other, "editor")
    client = Client()
    client.force_login(admin_user)
    mine = Membership.objects.get(user=member)
    page = client.get(f"/admin/agencies/membership/{mine.pk}/change/")
    # The role is shown, not offered for editing: saving could not change it.
    assert page.status_code == 200 and b'name="role"' not in page.content

    removed = client.post(f"/admin/agencies/membership/{mine.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(action="membership.delete", entity_id=str(mine.pk)).exists()
    # Another agency's member is not theirs to remove.
    theirs = Membership.objects.get(user=stranger)
    refused = client.post(f"/admin/agencies/membership/{theirs.pk}/delete/", {"post": "yes"})
    assert refused.status_code in (302, 403)
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_a_role_held_already_is_named_so(make_agency, make_user):
    agency = make_agency("peran-ganda")
    client = Client()
    client.force_login(make_user(agency, "agency_admin"))
    member = make_user(agency, "editor")
    for lang, text in (("en", "The user already has this role in the agency."),
                       ("id", "Pengguna sudah memiliki peran ini.")):  # fmt: skip
        again = client.post(
            "/admin/agencies/membership/add/",
            {"user": member.pk, "agency": agency.pk, "role": "editor"},
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        assert again.status_code == 200
        assert again.context["adminform"].form.non_field_errors() == [text]
    assert Membership.objects.filter(user=member).count() == 1


@pytest.mark.parametrize("role", ["viewer", "editor", "agency_admin"])
def test_list_actions_a_person_may_not_use_are_not_offered_and_never_500(
    make_agency, make_user, role
):
    from agencies.contacts.models import ShortCode

    agency = make_agency(f"aksi-{role.replace('_', '-')}")
    client = Client()
    client.force_login(make_user(agency, role))
    members = client.get("/admin/agencies/membership/")
    assert b'value="resync"' not in members.content
    codes = client.get("/admin/contacts/shortcode/")
    assert b'value="remove"' not in codes.content
    code = ShortCode.objects.first()
    # Posted anyway: a message on the list, and nothing removed.
    posted = client.post(
        "/admin/contacts/shortcode/",
        {"action": "remove", "_selected_action": [code.pk], "index": 0},
        follow=True,
    )
    assert posted.status_code == 200 and posted["Content-Type"].startswith("text/html")
    assert ShortCode.objects.filter(pk=code.pk).exists()


def test_a_new_keys_secret_never_travels_in_a_cookie(superuser_client, make_agency):
    agency = make_agency("kunci-kue")
    created = superuser_client.post(
        "/admin/agencies/apikey/add/",
        {"agency": agency.pk, "name": "Portal", "scopes": ["content:read"], "expires_at": ""},
    )
    assert created.status_code == 302
    key = ApiKey.objects.get(agency=agency)
    assert "messages" not in created.cookies
    assert f"smpl_{key.prefix}_".encode() not in str(created.cookies).encode()
    shown = superuser_client.get(created["Location"])
    assert f"smpl_{key.prefix}_".encode() in shown.content


def test_agency_form_errors_speak_the_pages_language(superuser_client):
    response = superuser_client.post(
        "/admin/agencies/agency/add/",
        {"name": "Uji", "slug": "uji-bahasa", "type": "lpnk", "official_domains": "go.id",
         "status": "active", "identifiers": "[]"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.errors.values())
    assert "belongs to no single agency" in errors and "bukan milik" not in errors


def test_a_region_search_gives_the_larger_regions_first(superuser_client):
    found = superuser_client.get(
        "/admin/autocomplete/",
        {"app_label": "agencies", "model_name": "agency", "field_name": "region", "term": "malang"},
    ).json()["results"]
    first = [row["text"] for row in found[:3]]
    assert first[:2] == ["35.07 Kabupaten Malang", "35.73 Kota Malang"], first
