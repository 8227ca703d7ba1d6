"""Claim and clarification lists compile their SQL once: every answer is the built one's.

Each request runs with ``compiled_lists`` on (twice: the plan is made, then
reused) and off (the queryset is built every time); the three answers must be
equal for every principal, filter and page (tests/support/side_by_side.py).
GraphQL lists of claims and bulletins are held against graphql-core likewise.
"""

import pytest

from api.rest.facts import BulletinViewSet, ClaimViewSet, ClarificationViewSet
from hub.facts import services
from tests.facts.conftest import principal
from tests.support.side_by_side import graphql_lists_agree, rest_lists_agree

pytestmark = pytest.mark.django_db

QUERIES = {
    ClaimViewSet: (
        "/api/v1/claims/",
        [
            "",
            "?limit=2",
            "?agency={agency}",
            "?topic=bansos",
            "?topic=banjir",
            "?region=35",
            "?region=31",
            "?first_seen_after=2025-01-01T00:00:00Z",
            "?first_seen_after=not-a-date",
        ],
    ),
    ClarificationViewSet: (
        "/api/v1/clarifications/",
        [
            "",
            "?limit=1",
            "?status=withdrawn",
            "?status=draft&status=published",
            "?verdict=hoaks,keliru",
            "?agency={agency}",
            "?region=35",
            "?topic=bansos",
            "?misinformation_type=fabricated",
            "?published_after=2020-01-01T00:00:00Z",
            "?status=planet",
        ],
    ),
    BulletinViewSet: (
        "/api/v1/bulletins/",
        [
            "",
            "?limit=1",
            "?active=true",
            "?active=false",
            "?region=35.07",
            "?region=35.07.07.2001",
            "?region=31",
            "?status=withdrawn",
            "?status=draft&status=published",
            "?event=banjir",
            "?agency={agency}",
            "?active=perhaps",
        ],
    ),
}


@pytest.fixture
def facts(desk, bpbd, make_claim, make_clarification):
    make_clarification()
    make_clarification(is_public=True)
    make_clarification(until="draft")
    make_clarification(until="in_review")
    withdrawn = make_clarification()
    services.clarification_withdraw(
        principal=principal(desk.verifier), clarification=withdrawn, reason="Salah sasaran."
    )
    make_claim(agency=bpbd.agency, user=bpbd.editor, topics=["banjir"], regions=["31"])
    return desk


@pytest.fixture
def bulletins(bpbd, make_bulletin):
    make_bulletin()
    make_bulletin(scope="Restricted", restriction="Hanya untuk instansi penanggulangan bencana")
    make_bulletin(scope="Private", addresses="bnpb-pusdalops")
    make_bulletin(until="draft")
    return bpbd


@pytest.mark.parametrize("viewset", [ClaimViewSet, ClarificationViewSet, BulletinViewSet])
def test_compiled_lists_answer_what_built_ones_do(
    api, make_user, facts, bulletins, bpbd, monkeypatch, viewset
):
    base, queries = QUERIES[viewset]
    owner = facts.agency if viewset is not BulletinViewSet else bpbd.agency
    principals = [  # the most privileged first
        api(user=make_user(superuser=True)),
        api(user=facts.editor),
        api(user=facts.viewer),
        api(user=bpbd.editor),
        api(),
    ]
    paths = [base + query.format(agency=owner.slug) for query in queries]
    seen = rest_lists_agree(principals, paths, viewset, monkeypatch)
    assert len(seen) >= 3  # the table reads real rows, not only empty pages


GRAPHQL = [
    (
        "{ bulletins(first: 10) { edges { node { id databaseId identifier sender sent status"
        " capStatus msgType scope event urgency severity certainty effective onset expires web"
        " contact version agency { slug name } } } } }",
        True,
    ),
    (
        '{ bulletins(active: true, region: "35.07", first: 2) { pageInfo { hasNextPage endCursor }'
        " edges { cursor node { identifier } } } }",
        True,
    ),  # fmt: skip
    ('{ bulletins(status: ["draft"], first: 5) { edges { node { identifier status } } } }', True),
    ("{ bulletins(first: 5) { edges { node { identifier headline } } } }", False),
    (
        "{ claims(first: 10) { edges { node { databaseId text summary claimant firstSeen language"
        " version agency { slug acronym type } } } } }",
        True,
    ),
    ('{ claims(topic: "bansos", first: 10) { edges { node { summary topics } } } }', False),
]


@pytest.mark.parametrize(("query", "compiles"), GRAPHQL)
def test_compiled_graphql_lists_answer_what_graphql_core_does(
    api, make_user, facts, bulletins, bpbd, query, compiles
):
    principals = [
        api(user=make_user(superuser=True)),
        api(user=bpbd.editor),
        api(user=facts.editor),
        api(),
    ]
    edges, compiled = graphql_lists_agree(principals, query)
    assert compiled is compiles
    assert edges > 0
