"""A list costs the same number of SQL queries at 5 rows and at 50 (REST and GraphQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

AGENCIES_QUERY = """
query($q: String) { agencies(first: 100, q: $q) { edges { node {
    slug name parent { slug name } region { code name kind }
} } } }
"""


def _agencies(make_agency, count, prefix="hitung"):
    parent = make_agency(f"{prefix}-induk", name=f"{prefix} induk", type="pemprov", region="35")
    for i in range(count - 1):
        make_agency(
            f"{prefix}-{i}", name=f"{prefix} {i}", type="pemkab", region="35.07", parent=parent.slug
        )


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_rest_and_graphql_counts_do_not_grow_with_rows(api, make_agency):
    counts = {}
    client = api()
    for size in (5, 50):
        prefix = f"hitung{size}"
        _agencies(make_agency, size, prefix)
        url = f"/api/v1/agencies/?q={prefix}-&limit=100&expand=parent,region"
        variables = {"q": f"{prefix}-"}
        counts[("rest", size)] = _queries(lambda url=url: client.get(url))
        counts[("graphql", size)] = _queries(
            lambda variables=variables: client.gql(AGENCIES_QUERY, variables)
        )
        assert len(client.get(url).json()["results"]) == size
        edges = client.gql(AGENCIES_QUERY, variables)["data"]["agencies"]["edges"]
        assert len(edges) == size
        assert all(e["node"]["region"]["code"] in {"35", "35.07"} for e in edges)
    assert counts[("rest", 5)] == counts[("rest", 50)], counts
    assert counts[("graphql", 5)] == counts[("graphql", 50)], counts
    # And the counts are small, fixed numbers.
    assert counts[("rest", 50)] <= 3 and counts[("graphql", 50)] <= 4, counts


def test_rest_and_graphql_return_the_same_agencies(api, make_agency, make_user):
    _agencies(make_agency, 7)
    client = api(user=make_user())
    rest = client.get("/api/v1/agencies/?q=hitung-&limit=100").json()["results"]
    edges = client.gql(AGENCIES_QUERY, {"q": "hitung-"})["data"]["agencies"]["edges"]
    rest = [a["slug"] for a in rest]
    gql = [e["node"]["slug"] for e in edges]
    assert rest == gql and len(rest) == 7
