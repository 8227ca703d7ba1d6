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
from tests.support.side_by_side import graphql_lists_agree, rest_lists_agree

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


@pytest.fixture(autouse=True)
def one_signing_window(monkeypatch):
    """Both answers sign their short-lived URLs in the same window, wherever the clock
    stands: two requests either side of a window's end would differ in every URL."""
    from media_store import delivery

    window = delivery.url_window()
    monkeypatch.setattr(delivery, "url_window", lambda: window)


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


def test_compiled_media_lists_answer_what_built_ones_do(api, make_user, library, monkeypatch):
    mine, theirs, _embargoed = library
    principals = [  # the most privileged first
        api(user=make_user(superuser=True)),
        api(user=theirs.editor),
        api(user=mine.editor),
        api(user=mine.viewer),
        api(),
    ]
    paths = ["/api/v1/media/" + query.format(theirs=theirs.agency.slug) for query in QUERIES]
    seen = rest_lists_agree(principals, paths, MediaAssetViewSet, monkeypatch)
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
    mine, theirs, _embargoed = library
    principals = [
        api(user=make_user(superuser=True)),
        api(user=theirs.editor),
        api(user=mine.viewer),
        api(),
    ]
    edges, compiled = graphql_lists_agree(principals, query)
    assert compiled is compiles
    assert edges > 0
