"""Regions (kode wilayah): the shipped data, hierarchy queries and the REST/GraphQL reads."""

import time

import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import Region
from agencies.regions import region_ancestors, region_descendants, region_search, regions_load

pytestmark = pytest.mark.django_db


def test_official_counts_per_level():
    counts = {level: Region.objects.filter(level=level).count() for level in (1, 2, 3, 4)}
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}


def test_kinds_derive_from_codes():
    assert Region.objects.get(code="31.71").kind == "kota"
    assert Region.objects.get(code="31.71").parent_id == "31"
    assert Region.objects.get(code="35.07").kind == "kabupaten"
    assert Region.objects.get(code="35").kind == "provinsi"
    assert Region.objects.get(code="35.07.01").kind == "kecamatan"
    assert Region.objects.get(code="35.07.01.2001").kind == "desa"
    assert Region.objects.filter(code__startswith="31.71.01.1").first().kind == "kelurahan"
    assert Region.objects.get(code="91.03.01.3007").kind == "desa_adat"


def test_descendants_and_ancestors():
    descendants = region_descendants("35")
    assert descendants.filter(code="35.07.01.2001").exists()
    assert not descendants.filter(code="35").exists()
    assert not descendants.filter(code__startswith="36").exists()
    assert [r.code for r in region_ancestors("35.07.01.2001")] == ["35", "35.07", "35.07.01"]


def test_descendant_query_uses_the_prefix_index():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = region_descendants("35.07").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    # The pattern-ops index on the primary key answers the prefix as a range scan.
    assert "agencies_region_code" in plan and "~>=~ '35.07.'" in plan, plan


def test_name_search_ignores_case_and_accents():
    names = set(region_search(Region.objects.all(), "JAKARTA PUSAT").values_list("code", flat=True))
    assert "31.71" in names
    accented = set(
        region_search(Region.objects.all(), "jakárta pusat").values_list("code", flat=True)
    )
    assert accented == names


def test_loading_twice_changes_nothing_and_is_fast():
    before = Region.objects.count()
    started = time.perf_counter()
    assert regions_load() == 91599
    elapsed = time.perf_counter() - started
    assert Region.objects.count() == before == 91599
    # Recorded for the README ("well under a minute"), not asserted as a limit.
    print(f"regions reload: {elapsed:.1f}s")


def test_load_command_reports(capsys):
    call_command("load_regions", if_empty=True)
    assert "already loaded" in capsys.readouterr().out


def test_rest_region_by_code_and_children(api):
    response = api().get("/api/v1/regions/31.71/")
    assert response.status_code == 200
    assert response.json() == {
        "code": "31.71",
        "name": "Kota Administrasi Jakarta Pusat",
        "level": 2,
        "kind": "kota",
        "parent": "31",
    }
    children = api().get("/api/v1/regions/?parent=35&limit=50").json()
    assert len(children["results"]) == 38
    assert {r["parent"] for r in children["results"]} == {"35"}
    within = api().get("/api/v1/regions/?within=35.07&level=4&limit=200").json()["results"]
    assert within and all(r["code"].startswith("35.07.") for r in within)
    ancestors = api().get("/api/v1/regions/35.07.01.2001/ancestors/").json()["results"]
    assert [r["code"] for r in ancestors] == ["35", "35.07", "35.07.01"]
    assert api().get("/api/v1/regions/99.99/").status_code == 404


def test_rest_and_graphql_agree_on_children(api):
    rest = [
        r["code"] for r in api().get("/api/v1/regions/?parent=35.07&limit=100").json()["results"]
    ]
    data = api().gql('{ regions(parent: "35.07", first: 100) { edges { node { code } } } }')
    gql = [edge["node"]["code"] for edge in data["data"]["regions"]["edges"]]
    assert rest == gql and len(rest) == 33
