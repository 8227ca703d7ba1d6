"""The read lane answers repeated list reads exactly as the full request cycle does.

Every request goes through ``hub.wsgi.application`` (tests/support/wsgi.py):
first through the full cycle, which leaves a recipe; then again, answered by
the lane; then with ``HUB_READ_LANE`` off. Status, every header (in order) and
body must be equal, and the caller counts which requests reached Django, so a
test cannot pass by never using the lane.
"""

from __future__ import annotations

import re
from functools import partial

import pytest
from django.test import override_settings
from django.utils import timezone

from agencies.models import ApiKey
from hub.models import AuditEntry
from tests.support.wsgi import WsgiCaller

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/regions/?parent=35&limit=5",
    "/api/v1/regions/?q=jakarta&fields=code,name",
    "/api/v1/agencies/?q=lajur-&limit=50&expand=region",
    "/api/v1/agencies/?q=lajur-&fields=slug,status",
    "/api/v1/clarifications/",
    "/api/v1/claims/?limit=2",
    "/api/v1/bulletins/?active=true",
]
NEVER_LANED = [
    "/api/v1/regions/35/",  # one object, not a list
    "/api/v1/regions/?level=planet",  # refused: 400 every time
    "/api/v1/offices/",  # not a compiled list
]


@pytest.fixture
def caller(monkeypatch):
    return WsgiCaller(monkeypatch)


@pytest.fixture
def principals(make_agency, make_key):
    """Header sets for three callers: two agencies' systems and nobody."""
    own = make_agency("lajur-sendiri", name="Lajur Sendiri")
    make_agency("lajur-henti", name="Lajur Henti", status="suspended")
    other = make_agency("lajur-lain", name="Lajur Lain")

    def bearer(agency):
        return {"HTTP_AUTHORIZATION": f"Bearer {make_key(agency, 'content:read', 'agency:admin')}"}

    return {"own key": bearer(own), "other key": bearer(other), "anonymous": {}}


def both_ways(caller, path: str, **headers):
    """(full cycle, lane or full cycle, lane off): asserted equal; returns the second and
    whether the lane answered it."""
    return three_times(lambda: caller.get(path, HTTP_X_REQUEST_ID="lajur-uji", **headers), caller)


def three_times(call, caller):
    first = call()
    before = caller.full_cycles
    second = call()
    laned = caller.full_cycles == before
    with override_settings(HUB_READ_LANE=False):
        off = call()
    assert caller.full_cycles == before + 1 + (not laned)
    for answer in (first, second):
        assert (answer.status, answer.headers, answer.body) == (off.status, off.headers, off.body)
    return second, laned


@pytest.mark.parametrize("language", [None, "en", "id;q=0.9, en;q=0.8"])
def test_lists_answer_alike_for_every_caller(caller, principals, language):
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    for name, headers in principals.items():
        for path in LISTS:
            answer, laned = both_ways(caller, path, **headers, **extra)
            assert answer.status == 200, (name, path, answer.body)
            assert laned, (name, path)
        for path in NEVER_LANED:
            answer, laned = both_ways(caller, path, **headers, **extra)
            assert not laned, (name, path)


def test_each_caller_sees_what_the_policy_gives_it(caller, principals):
    path = "/api/v1/api-keys/?fields=agency"
    seen = {}
    for name in ("own key", "other key"):
        for _ in range(3):  # the recipe is made, then used
            answer = caller.get(path, **principals[name])
            seen[name] = {item["agency"] for item in answer.json()["results"]}
    assert seen == {"own key": {"lajur-sendiri"}, "other key": {"lajur-lain"}}
    assert caller.get(path).status == 401  # nobody: refused every time
    assert caller.get(path).status == 401
    slugs = {item["slug"] for item in caller.get("/api/v1/agencies/?q=lajur-").json()["results"]}
    assert "lajur-henti" not in slugs


def test_next_pages_and_accept_variants_answer_alike(caller, principals):
    answer, _ = both_ways(caller, "/api/v1/regions/?parent=35&limit=3")
    next_path = answer.json()["next"].split("testserver", 1)[1]
    assert both_ways(caller, next_path)[1]
    for accept in ("application/json", "*/*", "application/json; indent=2"):
        assert both_ways(caller, "/api/v1/regions/?parent=35&limit=3", HTTP_ACCEPT=accept)[1]
    refused, laned = both_ways(caller, "/api/v1/regions/?parent=35", HTTP_ACCEPT="text/csv")
    assert refused.status == 406 and not laned


def test_rows_are_read_fresh(caller, principals, make_agency):
    path = "/api/v1/agencies/?q=lajur-&fields=slug"
    caller.get(path)
    make_agency("lajur-baru", name="Lajur Baru")
    cycles = caller.full_cycles
    slugs = {item["slug"] for item in caller.get(path).json()["results"]}
    assert caller.full_cycles == cycles and "lajur-baru" in slugs


def test_request_ids_are_new_for_every_laned_answer(caller):
    ids = [caller.get("/api/v1/regions/?parent=35").header("X-Request-ID") for _ in range(3)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert len(set(ids)) == 3


def test_a_recipe_serves_only_the_scope_it_was_made_for(caller, principals):
    path = "/api/v1/agencies/?q=lajur-&fields=slug"
    caller.get(path, **principals["own key"])
    caller.get(path, **principals["own key"])
    cycles = caller.full_cycles
    caller.get(path, **principals["other key"])
    assert caller.full_cycles == cycles + 1  # a new scope: the whole way first


def test_a_revoked_key_is_refused_by_the_full_cycle_once(caller, principals):
    path = "/api/v1/regions/?parent=35"
    headers = principals["own key"]
    caller.get(path, **headers)
    assert both_ways(caller, path, **headers)[1]
    ApiKey.objects.filter(agency__slug="lajur-sendiri").update(revoked_at=timezone.now())
    failures = AuditEntry.objects.filter(action="auth.failure").count()
    refused = caller.get(path, **headers)
    assert refused.status == 401
    assert refused.header("Content-Type") == "application/problem+json"
    assert refused.json()["code"] == "invalid_api_key"
    assert AuditEntry.objects.filter(action="auth.failure").count() == failures + 1


def test_a_rate_limited_address_is_refused_even_with_a_good_key(caller, principals, settings):
    settings.HUB_AUTH_FAILURE_LIMIT = 3
    path = "/api/v1/regions/?parent=35"
    good = principals["own key"]
    caller.get(path, **good)
    assert caller.get(path, **good).status == 200
    bad = {"HTTP_AUTHORIZATION": "Bearer smpl_00000000_" + "x" * 30}
    assert [caller.get(path, **bad).status for _ in range(3)] == [401] * 3
    limited = caller.get(path, **good)
    assert limited.status == 429 and limited.json()["code"] == "rate_limited"


def test_cookies_and_conditional_requests_take_the_full_cycle(caller):
    path = "/api/v1/regions/?parent=35"
    etag = caller.get(path).header("ETag")
    caller.get(path)
    cycles = caller.full_cycles
    assert caller.get(path, HTTP_COOKIE="django_language=en").header("Content-Language") == "en"
    assert caller.get(path, HTTP_IF_NONE_MATCH=etag).status == 304
    assert caller.full_cycles == cycles + 2


def test_the_switch_turns_the_lane_off(caller):
    path = "/api/v1/regions/?parent=35"
    with override_settings(HUB_READ_LANE=False):
        for _ in range(3):
            assert caller.get(path).status == 200
    assert caller.full_cycles == 3


GRAPHQL = [
    ('{ regions(parent: "35", first: 5) { edges { node { code name level kind } } } }', None),
    (
        "query Wilayah($parent: String, $n: Int) { regions(parent: $parent, first: $n) {"
        " pageInfo { hasNextPage endCursor } edges { cursor node { id code parent { code } } } } }",
        {"parent": "35.07", "n": 3},
    ),
    (
        '{ agencies(q: "lajur-", first: 50) { edges { node { databaseId slug status'
        " region { code name } } } } }",
        None,
    ),
    ("{ a: claims(first: 2) { edges { node { __typename id } } } }", None),
]
GRAPHQL_NEVER_LANED = [
    ('{ agencies(q: "lajur-", first: 5) { edges { node { slug parent { slug } } } } }', None),
    ('{ regions(parent: "35", last: 2) { edges { node { code } } } }', None),
    ("{ regions(first: 5) { edges { node { nosuchfield } } } }", None),
    ("{ memberships { edges { node { role } } } }", None),
    (
        'mutation { agencyCreate(input: {name: "X", type: "pemkab", region: "35"})'
        " { errors { code } } }",
        None,
    ),
]


def graphql_both_ways(caller, document: str, variables: dict | None, **headers):
    """both_ways() for a GraphQL document posted to /graphql."""
    headers.setdefault("HTTP_X_REQUEST_ID", "lajur-graf")
    return three_times(partial(caller.graphql, document, variables, **headers), caller)


@pytest.mark.parametrize("language", [None, "en"])
def test_graphql_lists_answer_alike_for_every_caller(caller, principals, language):
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    for name, headers in principals.items():
        for document, variables in GRAPHQL:
            answer, laned = graphql_both_ways(caller, document, variables, **headers, **extra)
            assert answer.status == 200 and "errors" not in answer.json(), (name, document)
            assert laned, (name, document)
        for document, variables in GRAPHQL_NEVER_LANED:
            _, laned = graphql_both_ways(caller, document, variables, **headers, **extra)
            assert not laned, (name, document)


def test_graphql_lane_keeps_each_callers_rows(caller, principals):
    document = "{ apiKeys(first: 10) { edges { node { agency { slug } } } } }"
    seen = {}
    for name in ("own key", "other key"):
        for _ in range(3):
            answer = caller.graphql(document, **principals[name])
            edges = answer.json()["data"]["apiKeys"]["edges"]
            seen[name] = {edge["node"]["agency"]["slug"] for edge in edges}
    assert seen == {"own key": {"lajur-sendiri"}, "other key": {"lajur-lain"}}


def test_graphql_bodies_are_passed_on_intact(caller):
    """A body the lane read to key on is still there for Django when the lane declines."""
    document = '{ regions(parent: "35", first: 2) { edges { node { code } } } }'
    for _ in range(2):
        answer = caller.graphql(document, HTTP_COOKIE="django_language=en")
        assert answer.status == 200
        assert len(answer.json()["data"]["regions"]["edges"]) == 2
