"""Media lists compile their SQL once: every answer is the built one's, embargoes included.

Each request runs with ``compiled_lists`` on (the plan made, then reused) and
off (the queryset built every time); the answers must be equal for every
principal, filter, shape and page. The policy's embargo test is SQL (``Now()``),
so a compiled statement decides it when it runs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.functions import Now
from django.utils import timezone

from api.plans import plans
from api.rest.media import MediaAssetViewSet
from media_store.models import MediaAsset
from tests.media_store.test_api import _asset, _picture

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "?limit=1",
    "?tag=merapi",
    "?q=lahar",
    "?kind=image",
    "?agency={theirs}",
    "?published=true",
    "?visibility=public",
    "?fields=id,title,visibility,renditions,original_url",
    "?kind=planet",
]


@pytest.fixture
def library(local_storage, agency_team):
    mine, theirs = agency_team("bpbd-sleman"), agency_team("bpbd-bantul")
    _asset(mine.agency, _picture(1), title="Erupsi Merapi", tags=["merapi"], visibility="public",
           publish=True)  # fmt: skip
    _asset(mine.agency, _picture(2), title="Jalur evakuasi", tags=["evakuasi"])
    _asset(theirs.agency, _picture(3), title="Banjir lahar", tags=["merapi"], visibility="agencies",
           publish=True)  # fmt: skip
    _asset(theirs.agency, _picture(4), title="Draf lahar dingin", tags=["merapi"])
    embargoed = _asset(theirs.agency, _picture(5), title="Lahar embargo", visibility="public",
                       embargo_until=(timezone.now() + timedelta(days=1)).isoformat(),
                       publish=True)  # fmt: skip
    return mine, theirs, embargoed


def _answer(client, path):
    response = client.get(path)
    return response.status_code, response.json()


def _compare(client, path, monkeypatch):
    compiled = _answer(client, path)
    monkeypatch.setattr(MediaAssetViewSet, "compiled_lists", False)
    built = _answer(client, path)
    monkeypatch.setattr(MediaAssetViewSet, "compiled_lists", True)
    assert compiled == built, path
    return compiled


def test_compiled_media_lists_answer_what_built_ones_do(api, make_user, library, monkeypatch):
    mine, theirs, _embargoed = library
    # The most privileged first: a plan wrongly shared would show more to the others.
    principals = [
        api(user=make_user(superuser=True)),
        api(user=theirs.editor),
        api(user=mine.editor),
        api(user=mine.viewer),
        api(),
    ]
    plans.clear()
    seen = set()
    for query in QUERIES:
        path = "/api/v1/media/" + query.format(theirs=theirs.agency.slug)
        for client in principals:
            for _ in range(2):  # the plan is made, then reused
                status, body = _compare(client, path, monkeypatch)
            if status != 200:
                continue
            seen.update(item["id"] for item in body["results"])
            if body["next"]:
                _compare(client, body["next"].split("testserver", 1)[1], monkeypatch)
    assert any(key[0] is MediaAssetViewSet for key in plans)
    assert len(seen) == 5


def test_an_ended_embargo_shows_through_the_same_compiled_statement(api, library):
    _mine, _theirs, embargoed = library
    client = api()
    titles = lambda: [item["title"] for item in client.get("/api/v1/media/").json()["results"]]  # noqa: E731
    assert titles() == ["Erupsi Merapi"]
    kept = len(plans)
    # The embargo ends (by the database's clock, which the statement compares with).
    MediaAsset.objects.filter(pk=embargoed.pk).update(embargo_until=Now() - timedelta(seconds=1))
    assert titles() == ["Erupsi Merapi", "Lahar embargo"]
    assert len(plans) == kept  # the same compiled statement answered


GRAPHQL = [
    (
        "{ mediaAssets(first: 10) { edges { node { id databaseId title description altText"
        " language kind mime size sha256 width height status visibility createdAt"
        " agency { slug name type } } } } }",
        True,
    ),
    (
        '{ mediaAssets(tag: "merapi", first: 1) { pageInfo { hasNextPage endCursor }'
        " edges { cursor node { title } } } }",
        True,
    ),  # fmt: skip
    (
        '{ mediaAssets(kind: ["image"], published: true, first: 10) { edges { node { title } } } }',
        True,
    ),  # fmt: skip
    ("{ mediaAssets(first: 10) { edges { node { title tags renditions { name } } } } }", False),
    ("{ mediaAssets(first: 10) { edges { node { title originalUrl } } } }", False),
]


@pytest.mark.parametrize(("query", "compiles"), GRAPHQL)
def test_compiled_graphql_media_lists_answer_what_graphql_core_does(
    api, make_user, library, query, compiles
):
    from tests.api.test_graphql_compiled import _both, _compiled_plans

    mine, theirs, _embargoed = library
    principals = [
        api(user=make_user(superuser=True)),
        api(user=theirs.editor),
        api(user=mine.viewer),
        api(),
    ]
    plans.clear()
    edges = 0
    for client in principals:
        compiled, full = _both(client, query, None)
        assert compiled == full
        status, body = compiled
        assert status == 200 and "errors" not in body, body
        edges += len(body["data"]["mediaAssets"]["edges"])
    assert bool(_compiled_plans(query)) is compiles
    assert edges > 0
