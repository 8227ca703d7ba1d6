"""Hotline lookup: the nearest public hotline or emergency number for a kode wilayah."""

import pytest

from agencies.contacts.services import contact_create, office_create
from tests.contacts.conftest import PLATFORM, as_principal

pytestmark = pytest.mark.django_db

KEMIRI = "35.07.13.2001"  # a village (desa) in Kepanjen, Kabupaten Malang
HOTLINE_QUERY = """
query($region: String!) {
  hotline(region: $region) {
    via level steps region { code kind } matchedRegion { code name }
    results { agency { slug } contact { databaseId normalized purpose } }
  }
}
"""


def test_a_village_without_a_hotline_finds_its_regencys_bpbd(api, world):
    # The BPBD's emergency number sits on its office in Kepanjen (a district);
    # a contact without an office counts for the agency's regency, 35.07.
    contact_create(
        principal=as_principal(world.bpbd_editor),
        agency=world.bpbd,
        data={"channel": "whatsapp", "value": "0813-3490-0112", "purpose": "hotline"},
    )
    response = api().get(f"/api/v1/hotlines?region={KEMIRI}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["region"]["code"] == KEMIRI and body["region"]["kind"] == "desa"
    assert body["match"] == {
        "via": "region",
        "level": "kecamatan",
        "steps": 1,
        "region": {"code": "35.07.13", "name": "Kepanjen", "level": 3, "kind": "kecamatan"},
    }
    (result,) = body["results"]
    assert result["agency"]["slug"] == "bpbd-uji"
    assert result["contact"]["normalized"] == "+62341393008"

    # A village elsewhere in the regency reaches the regency-level hotline.
    elsewhere = api().get("/api/v1/hotlines?region=35.07.01.2001").json()
    assert elsewhere["match"]["level"] == "kabupaten" and elsewhere["match"]["steps"] == 2
    assert [r["contact"]["normalized"] for r in elsewhere["results"]] == ["+6281334900112"]
    assert elsewhere["results"][0]["agency"]["slug"] == "bpbd-uji"


def test_the_village_own_hotline_wins_and_emergency_comes_first(api, world, make_agency, make_user):
    desa = make_agency("desa-kemiri", name="Pemerintah Desa Kemiri", type="desa", region=KEMIRI)
    editor = as_principal(make_user(desa, "editor"))
    posko = office_create(
        principal=editor,
        agency=desa,
        data={"name": "Posko Desa", "address": "Balai Desa Kemiri", "region": KEMIRI},
    )
    for value, purpose in (("0812 1111 2222", "hotline"), ("0812 1111 3333", "emergency")):
        contact_create(
            principal=editor,
            agency=desa,
            data={"channel": "mobile", "value": value, "purpose": purpose, "office": posko.pk},
        )
    # Not public: never an answer.
    contact_create(
        principal=editor,
        agency=desa,
        data={"channel": "voice", "value": "112", "purpose": "emergency", "visibility": "agencies"},
    )
    body = api().get(f"/api/v1/hotlines?region={KEMIRI}").json()
    assert body["match"]["steps"] == 0 and body["match"]["level"] == "desa"
    assert [r["contact"]["normalized"] for r in body["results"]] == [
        "+6281211113333",
        "+6281211112222",
    ]


def test_agency_hierarchy_and_national_fallback(api, make_agency, make_user):
    # A province with no regional hotline anywhere: its agencies' parents are asked next.
    national = make_agency("bnpb-uji", name="BNPB Uji", type="lpnk")
    regional = make_agency(
        "stasiun-uji", name="Stasiun Uji", type="other", region="91.03", parent="bnpb-uji"
    )
    assert regional.parent_id == national.pk
    contact_create(
        principal=PLATFORM,
        agency=national,
        data={"channel": "voice", "value": "117", "purpose": "emergency"},
    )
    body = api().get("/api/v1/hotlines?region=91.03.01.3007").json()
    assert body["match"]["via"] == "agency" and body["match"]["region"] is None
    assert body["results"][0]["agency"]["slug"] == "bnpb-uji"
    assert body["results"][0]["contact"]["normalized"] == "117"
    # Elsewhere, with no agency chain at all, national numbers still answer.
    elsewhere = api().get("/api/v1/hotlines?region=11.01").json()
    assert elsewhere["match"]["via"] == "national"
    assert "117" in [r["contact"]["normalized"] for r in elsewhere["results"]]


def test_graphql_gives_the_same_answer(api, world):
    rest = api().get(f"/api/v1/hotlines?region={KEMIRI}").json()
    body = api().gql(HOTLINE_QUERY, {"region": KEMIRI})
    hotline = body["data"]["hotline"]
    assert hotline["via"] == rest["match"]["via"] and hotline["steps"] == rest["match"]["steps"]
    assert hotline["level"] == rest["match"]["level"]
    assert hotline["matchedRegion"]["code"] == rest["match"]["region"]["code"]
    assert [r["contact"]["databaseId"] for r in hotline["results"]] == [
        r["contact"]["id"] for r in rest["results"]
    ]


def test_bad_regions(api):
    missing = api(lang="en").get("/api/v1/hotlines")
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "required"
    unknown = api().get("/api/v1/hotlines?region=99.99")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "unknown_region"
    body = api().gql(HOTLINE_QUERY, {"region": "99.99"})
    assert body["errors"][0]["extensions"]["code"] == "validation_failed"


def test_nothing_found_is_a_coded_404(api):
    # The test database has no hotlines at all outside the world fixture.
    response = api().get("/api/v1/hotlines?region=11.01")
    assert response.status_code == 404 and response.json()["code"] == "no_hotline"
