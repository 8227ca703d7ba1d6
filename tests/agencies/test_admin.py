"""The Django admin asks the same policy and services as the API."""

import pytest
from django.test import Client

from agencies.models import Agency, ApiKey, Membership
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
    admin_user = make_user(own, "agency_admin")
    admin_user.is_staff = True
    admin_user.save()
    make_user(other, "editor")
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/agencies/membership/")
    assert response.status_code == 200
    listed = set(response.context["cl"].queryset.values_list("agency__slug", flat=True))
    assert listed == {"milik-sendiri"}
    assert Membership.objects.filter(agency=other).exists()
