"""Full-text search with the `indonesian` configuration: inflections, ranking, snippets,
filters (verdict, topic, agency, region incl. descendants, dates) and the access policy."""

from __future__ import annotations

import pytest
from django.db import connection

from agencies import policy
from hub.errors import ValidationFailed
from hub.facts.filters import ClarificationFilterSet
from hub.facts.models import Clarification
from hub.facts.selectors import search
from tests.facts.conftest import principal

pytestmark = pytest.mark.django_db
ANYONE = policy.ANONYMOUS


def _ids(hits, kind="clarification"):
    return {hit.id for hit in hits if hit.type == kind}


def test_indonesian_configuration_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname = 'indonesian'")
        assert cursor.fetchone() == ("indonesian",)


@pytest.mark.parametrize("query", ["umum", "diumumkan", "pengumuman", "mengumumkan"])
def test_search_finds_inflections(make_clarification, query):
    item = make_clarification()  # the body says "tidak pernah mengumumkan"
    hits, total = search(ANYONE, q=query)
    assert item.pk in _ids(hits) and total >= 1
    hit = next(h for h in hits if h.type == "clarification" and h.id == item.pk)
    assert "<mark>mengumumkan</mark>" in hit.snippet
    assert hit.title.startswith("[HOAKS] ") and hit.verdict == "hoaks" and hit.rank > 0


def test_snippets_are_html_safe(make_clarification):
    item = make_clarification(
        body="Tautan <script>alert(1)</script> berisi penipuan: hadiah < Rp 5 juta & ongkir."
    )
    hits, _ = search(ANYONE, q="penipuan", types=["clarification"])
    hit = next(h for h in hits if h.id == item.pk)
    assert "<script>" not in hit.snippet and "<mark>penipuan</mark>" in hit.snippet
    assert "&lt; Rp 5 juta &amp; ongkir" in hit.snippet


def test_title_matches_rank_above_body_matches(make_clarification):
    in_title = make_clarification(title="Gempa susulan besar malam ini", body="Tidak ada prediksi.")
    in_body = make_clarification(title="Kabar bohong BMKG", body="Isu gempa susulan beredar.")
    hits, _ = search(ANYONE, q="gempa susulan", types=["clarification"])
    order = [h.id for h in hits]
    assert order.index(in_title.pk) < order.index(in_body.pk)


def test_region_filter_on_a_province_finds_its_regencies(make_claim, make_clarification):
    malang = make_clarification(claim=make_claim(regions=["35.07"]))  # Kabupaten Malang
    surabaya = make_clarification(claim=make_claim(regions=["35.78.01"]))  # a district
    bandung = make_clarification(claim=make_claim(regions=["32.04"]))
    hits, _ = search(ANYONE, q="bantuan", filters={"region": "35"})
    assert {malang.pk, surabaya.pk} <= _ids(hits) and bandung.pk not in _ids(hits)
    hits, _ = search(ANYONE, q="bantuan", filters={"region": "35.07"})
    assert _ids(hits) & {malang.pk, surabaya.pk, bandung.pk} == {malang.pk}
    # The same filter serves the clarification list (REST and GraphQL).
    listed = ClarificationFilterSet({"region": "35"}, Clarification.objects.all()).qs
    assert {malang.pk, surabaya.pk} <= set(listed.values_list("pk", flat=True))
    assert bandung.pk not in set(listed.values_list("pk", flat=True))


def test_search_filters_combine(desk, make_claim, make_clarification, make_bulletin):
    hoax = make_clarification(claim=make_claim(topics=["kesehatan"]))
    fact = make_clarification(verdict="fakta", claim=make_claim(topics=["bansos"]))
    bulletin = make_bulletin(
        infos=[
            {
                "language": "id-ID",
                "headline": "Bantuan logistik banjir disalurkan",
                "description": "BPBD menyalurkan bantuan ke pengungsi.",
                "instruction": "Warga mengungsi ke balai desa.",
            }
        ]
    )
    hits, _ = search(ANYONE, q="bantuan")
    assert {hoax.pk, fact.pk} <= _ids(hits) and bulletin.pk in _ids(hits, "bulletin")
    assert _ids(hits, "claim")  # claims of published clarifications are public
    hits, _ = search(ANYONE, q="bantuan", filters={"verdict": "fakta"})
    assert _ids(hits) == {fact.pk} and not _ids(hits, "bulletin")
    hits, _ = search(ANYONE, q="bantuan", filters={"topic": "kesehatan"})
    assert fact.pk not in _ids(hits) and hoax.pk in _ids(hits)
    hits, _ = search(ANYONE, q="bantuan", filters={"agency": desk.agency.slug})
    assert not _ids(hits, "bulletin") and hoax.pk in _ids(hits)
    hits, _ = search(
        ANYONE, q="bantuan", filters={"date_from": "2000-01-01", "date_to": "2001-01-01"}
    )
    assert not hits
    hits, _ = search(ANYONE, q="bantuan", types=["bulletin"])
    assert {h.type for h in hits} == {"bulletin"}
    with pytest.raises(ValidationFailed):
        search(ANYONE, q="bantuan", filters={"date_from": "kemarin"})
    with pytest.raises(ValidationFailed):
        search(ANYONE, q="   ")


def test_search_follows_the_policy(desk, make_user, make_agency, make_clarification):
    draft = make_clarification(until="draft")
    private = make_clarification(is_public=False)
    other_agency = make_agency()
    outsider = principal(make_user(other_agency, "viewer"))
    assert draft.pk not in _ids(search(ANYONE, q="bantuan")[0])
    assert draft.pk not in _ids(search(outsider, q="bantuan")[0])
    assert draft.pk in _ids(search(principal(desk.viewer), q="bantuan")[0])
    assert private.pk not in _ids(search(ANYONE, q="bantuan")[0])
    assert private.pk in _ids(search(outsider, q="bantuan")[0])


def test_a_bare_date_to_includes_that_whole_day_in_wib(api, make_clarification):
    """Dates are days in the hub's time zone (WIB, UTC+7); date_to's day counts in full."""
    published = {
        "first hour": "2026-11-30T00:30:00+07:00",
        "evening": "2026-11-30T20:00:00+07:00",
        "last minute": "2026-11-30T23:59:00+07:00",
        "next day (still 30 Nov in UTC)": "2026-12-01T00:30:00+07:00",
        "day before": "2026-11-29T23:30:00+07:00",
    }
    items = {}
    for name, moment in published.items():
        item = make_clarification()
        Clarification.objects.filter(pk=item.pk).update(published_at=moment)
        items[name] = item.pk
    on_the_day = {items["first hour"], items["evening"], items["last minute"]}

    def found(**dates) -> set[int]:
        query = "&".join(f"{name}={value}" for name, value in dates.items())
        response = api().get(f"/api/v1/search?q=bantuan&type=clarification&{query}")
        assert response.status_code == 200, response.content
        return {hit["id"] for hit in response.json()["results"]}

    assert found(date_from="2026-11-30", date_to="2026-11-30") == on_the_day
    assert found(date_to="2026-11-30") == on_the_day | {items["day before"]}
    # A full date-time keeps its meaning: up to that moment, not the end of its day.
    assert found(date_from="2026-11-30", date_to="2026-11-30T21:00:00%2B07:00") == {
        items["first hour"],
        items["evening"],
    }
    gql = api().gql(
        'query { search(q: "bantuan", types: ["clarification"], dateFrom: "2026-11-30",'
        ' dateTo: "2026-11-30") { total results { id } } }'
    )["data"]["search"]
    assert {hit["id"] for hit in gql["results"]} == on_the_day and gql["total"] == 3
    hits, _ = search(ANYONE, q="bantuan", filters={"date_to": "2999-12-31"})
    assert set(items.values()) <= _ids(hits)
    # Past the years the hub reads (hub.dates.YEARS), a date is refused, not overflowed.
    refused = api().get("/api/v1/search?q=bantuan&date_to=9999-12-31")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "invalid_date"
