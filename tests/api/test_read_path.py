"""The fast read path: compiled list queries, reused GraphQL documents, leaf shortcut.

Each speed-up must be invisible to callers: fresh rows after writes, one
principal's plan never serving another, invalid input always answered with its
errors, and GraphQL results identical to graphql-core's own executor.
"""

from __future__ import annotations

import gc

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from graphql import execute, parse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from agencies import policy
from api.graphql.execution import HubExecutionContext, plain_leaf
from api.graphql.schema import schema
from api.graphql.view import checked_document
from api.negotiation import ContentNegotiation
from api.plans import CompiledQuery, KeyedQuery, plans
from api.renderers import JSONRenderer
from api.rest.contacts import VCardRenderer
from hub.management.commands.serve import gunicorn_options

pytestmark = pytest.mark.django_db

AGENCIES = "/api/v1/agencies/?q=jalur-&limit=10&expand=region"


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_a_repeated_list_reuses_its_sql_but_reads_fresh_rows(api, make_agency):
    make_agency("jalur-a", name="Jalur A", region="35")
    client = api()
    assert _slugs(client.get(AGENCIES)) == ["jalur-a"]
    plans_before = len(plans)

    make_agency("jalur-b", name="Jalur B", region="35.07")
    with CaptureQueriesContext(connection) as captured:
        second = client.get(AGENCIES)
    assert _slugs(second) == ["jalur-a", "jalur-b"]
    assert len(plans) == plans_before  # the same plan answered
    assert len(captured.captured_queries) == 1
    # Nested objects and JSON columns come back exactly as on the first pass.
    item = second.json()["results"][1]
    assert item["region"]["code"] == "35.07" and item["identifiers"] == []


def test_principals_never_share_a_plan(api, make_agency, make_user):
    make_agency("jalur-aktif", name="Jalur Aktif")
    make_agency("jalur-henti", name="Jalur Henti", status="suspended")
    admin = make_user(superuser=True)
    # Same path, same query string, three times in a row for each principal.
    for _ in range(3):
        assert _slugs(api().get(AGENCIES)) == ["jalur-aktif"]
        assert _slugs(api(user=admin).get(AGENCIES)) == ["jalur-aktif", "jalur-henti"]


def test_scope_key_tells_apart_what_the_policy_reads():
    member = policy.Principal(kind="user", user_id=7, roles={3: frozenset({"editor"})})
    other_role = policy.Principal(kind="user", user_id=7, roles={3: frozenset({"viewer"})})
    system = policy.Principal(
        kind="system", roles={3: frozenset({"editor"})}, scopes=frozenset({"content:read"})
    )
    keys = {policy.scope_key(p) for p in (policy.ANONYMOUS, member, other_role, system)}
    assert len(keys) == 4
    same = policy.Principal(kind="user", label="x", user_id=7, roles={3: frozenset({"editor"})})
    assert policy.scope_key(same) == policy.scope_key(member)


def test_invalid_filters_are_refused_every_time(api):
    for _ in range(2):
        response = api().get("/api/v1/regions/?level=satu")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["code"] == "invalid_filter"


def test_a_query_that_can_match_nothing_costs_no_round_trip(make_user):
    from agencies.models import ApiKey

    nobody = policy.Principal(kind="user", user_id=None)
    compiled = CompiledQuery.of(
        policy.visible_to(nobody, ApiKey.objects.filter(pk__in=[])).values("id")
    )
    with CaptureQueriesContext(connection) as captured:
        assert compiled.rows() == []
    assert captured.captured_queries == []


def test_a_keyed_query_answers_what_the_orm_does_for_every_key(make_agency):
    from django.db.models import F

    from agencies.models import Agency

    agencies = [make_agency(slug=f"kunci-{i}", name=f"Dinas Kunci {i}") for i in range(3)]

    def build(pk):
        return (
            Agency.objects.filter(pk=pk)
            .annotate(label=F("name"))
            .values("id", "slug", "label", "identifiers", "created_at", "region__code")
        )

    compiled = KeyedQuery.of(build)
    for agency in [*agencies, Agency(pk=-1)]:
        assert compiled.rows_for(agency.pk) == list(build(agency.pk))
    assert compiled.rows_for(agencies[0].pk)[0]["slug"] == "kunci-0"


def test_a_keyed_query_needs_its_key_exactly_once():
    from agencies.models import Agency

    with pytest.raises(ValueError):
        KeyedQuery.of(lambda pk: Agency.objects.filter(pk=7).values("id"))
    with pytest.raises(ValueError):
        KeyedQuery.of(lambda pk: Agency.objects.filter(pk=pk, parent_id=pk).values("id"))


# -- GraphQL ---------------------------------------------------------------------------

QUERY = """{
  regions(parent: "35", first: 3) {
    totalCount: edges { cursor }
    edges { node { __typename code nama: name level kind parent { code name } } }
  }
}"""


def test_executor_shortcut_answers_exactly_what_graphql_core_does(rf):
    request = rf.post("/graphql")
    request.principal = policy.ANONYMOUS
    document = parse(QUERY)
    plain = execute(schema.graphql_schema, document, context_value=request)
    fast = execute(
        schema.graphql_schema,
        document,
        context_value=request,
        execution_context_class=HubExecutionContext,
    )
    assert plain.errors is None and fast.errors is None
    assert fast.data == plain.data
    assert fast.data["regions"]["edges"][0]["node"]["parent"]["code"] == "35"


def test_shortcut_covers_default_scalar_fields_only():
    region = schema.graphql_schema.get_type("Region")
    assert plain_leaf(region, "code") is not None
    assert plain_leaf(region, "kind").choice  # enum under graphene-django's choice wrappers
    assert plain_leaf(region, "parent") is None  # custom resolver
    assert plain_leaf(region, "ancestors") is None  # list of objects
    assert plain_leaf(region, "id") is None  # global id resolver


def test_a_bad_value_fails_as_graphql_core_fails():
    """A value that does not serialize takes the full path: the same error, same location."""
    from graphql import ExecutionContext, GraphQLError
    from graphql.pyutils import Path

    from agencies.models import Region

    bogus = Region(code="99", name="x", level="not-a-number", kind="provinsi")
    document = parse("{ regions(first: 1) { edges { node { level } } } }")
    operation = document.definitions[0]
    node = operation.selection_set.selections[0].selection_set.selections[0]
    level = node.selection_set.selections[0].selection_set.selections[0]
    region_type = schema.graphql_schema.get_type("Region")
    failures = []
    for context_class in (ExecutionContext, HubExecutionContext):
        context = context_class.build(schema.graphql_schema, document)
        with pytest.raises(GraphQLError) as raised:  # Int! : the error propagates upwards
            context.execute_field(region_type, bogus, [level], Path(None, "level", "Region"))
        failures.append((raised.value.message, raised.value.locations, raised.value.path))
    assert failures[0] == failures[1]
    assert "Int cannot represent" in failures[0][0]


def test_invalid_documents_answer_their_errors_every_time(api):
    for _ in range(2):
        body = api().gql("{ regions(first: 1) { edges { node { nope } } } }", status=400)
        assert "nope" in body["errors"][0]["message"]


def test_cached_documents_follow_the_limits_in_force(api):
    deep = "{ regions(first: 1) { edges { node { parent { parent { code } } } } } }"
    assert api().gql(deep)["data"] is not None
    with override_settings(HUB_GRAPHQL_MAX_DEPTH=4):
        body = api().gql(deep, status=400)
        assert body["errors"][0]["extensions"]["code"] == "query_too_deep"
    assert api().gql(deep)["data"] is not None


def test_checked_document_is_reused_only_when_valid():
    graphql_schema = schema.graphql_schema
    first, errors = checked_document(graphql_schema, "{ regions(first: 1) { edges { cursor } } }")
    again, _ = checked_document(graphql_schema, "{ regions(first: 1) { edges { cursor } } }")
    assert errors == [] and again is first
    broken, errors = checked_document(graphql_schema, "{ regions(first: ")
    assert broken is None and errors


# -- the server ------------------------------------------------------------------------


def test_workers_freeze_what_loading_the_app_created():
    settle = gunicorn_options("127.0.0.1", 8000)["post_worker_init"]
    try:
        settle(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# -- GraphQL connections -----------------------------------------------------------------

PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  agencies(q: "halaman-", first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { slug } }
  }
}"""


def _page(client, **variables):
    body = client.gql(PAGE, variables)
    assert body.get("errors") is None, body
    connection = body["data"]["agencies"]
    return [edge["node"]["slug"] for edge in connection["edges"]], connection["pageInfo"]


def test_paging_forward_reads_one_row_more_and_counts_nothing(api, make_agency):
    for i in range(4):
        make_agency(f"halaman-{i}", name=f"Halaman {i}")
    client = api()
    with CaptureQueriesContext(connection) as captured:
        slugs, info = _page(client, first=2)
    assert slugs == ["halaman-0", "halaman-1"] and info["hasNextPage"] is True
    sql = [query["sql"] for query in captured.captured_queries if "agencies_agency" in query["sql"]]
    assert not any("COUNT(" in statement for statement in sql)
    assert any("LIMIT 3" in statement for statement in sql)

    slugs, info = _page(client, first=2, after=info["endCursor"])
    assert slugs == ["halaman-2", "halaman-3"] and info["hasNextPage"] is False
    # Exactly `first` rows left: no next page; past the end: an empty page.
    slugs, info = _page(client, first=4)
    assert len(slugs) == 4 and info["hasNextPage"] is False
    slugs, info = _page(client, first=2, after=info["endCursor"])
    assert slugs == [] and info["hasNextPage"] is False and info["endCursor"] is None


def test_paging_backward_keeps_graphene_semantics(api, make_agency):
    for i in range(4):
        make_agency(f"halaman-{i}", name=f"Halaman {i}")
    client = api()
    slugs, info = _page(client, last=2)
    assert slugs == ["halaman-2", "halaman-3"] and info["hasPreviousPage"] is True
    slugs, _ = _page(client, last=1, before=info["startCursor"])
    assert slugs == ["halaman-1"]


def test_graphql_filters_validate_like_rest(api):
    body = api().gql('{ regions(kind: "bogus", first: 1) { edges { node { code } } } }')
    assert body["data"]["regions"] is None
    assert body["errors"][0]["extensions"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [
        (None, 200, "application/json"),
        ("*/*", 200, "application/json"),
        ("application/json", 200, "application/json"),
        ("application/json; q=0.9, text/html", 200, "application/json"),
        ("text/html", 406, "application/problem+json"),
        ("application/xml, text/plain;q=0.5", 406, "application/problem+json"),
    ],
)
def test_content_negotiation_answers_as_drf_would(api, accept, status, content_type):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = api().get("/api/v1/regions/?parent=35&limit=2", **headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == content_type
    if status == 406:
        assert response.json()["code"] == "not_acceptable"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/x", "*/*"),
        ("/x", "application/json"),
        ("/x", "text/vcard"),
        ("/x", "text/vcard;q=0.1, */*"),
        ("/x?format=json", "*/*"),
    ],
)
def test_the_shortcut_picks_what_drf_picks(path, accept):
    # vCard exports list vCard first: */* picks it, JSON only when asked for.
    renderers = [VCardRenderer(), JSONRenderer()]
    request = Request(APIRequestFactory().get(path, HTTP_ACCEPT=accept))
    mine = ContentNegotiation().select_renderer(request, renderers)
    drf = DefaultContentNegotiation().select_renderer(request, renderers)
    assert (type(mine[0]), mine[1]) == (type(drf[0]), drf[1])


@pytest.mark.parametrize("path", ["/api/v1/regions/?format=xml", "/api/v1/regions/35/?format=yaml"])
def test_a_format_no_renderer_offers_is_406_not_404(api, path):
    response = api().get(path)
    assert response.status_code == 406, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_acceptable"
    assert api().get(path.split("?")[0] + "?format=json").status_code == 200
