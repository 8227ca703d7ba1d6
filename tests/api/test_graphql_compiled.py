"""Compiled GraphQL lists answer exactly what graphql-core answers, to every principal.

Each case runs through ``/graphql`` twice: compiled (the default) and with
``HUB_GRAPHQL_COMPILED`` off (graphql-core executes every field). The two
answers must be equal, and the cases meant to compile must have left a
compiled plan behind, so a test cannot pass by never compiling.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from graphql import parse

from agencies.models import Agency
from agencies.services import agency_update
from api.graphql.compiled import connection_shape
from api.graphql.execution import FULL_PATH, PlainLeaf, serialize_leaf
from api.graphql.schema import schema
from api.plans import plans
from tests.conftest import PLATFORM
from tests.support.side_by_side import graphql_both, graphql_plans

pytestmark = pytest.mark.django_db

REGIONS = (
    '{ regions(parent: "35", first: 50) {'
    " edges { node { code name level kind parent { code } } } } }"
)
AGENCIES = (
    "{ agencies(first: 50) { edges { node { databaseId slug name acronym type status"
    " region { code name level kind } } } } }"
)

# (query, variables, compiles)
CASES = [
    (REGIONS, None, True),
    (
        "query Children($parent: String, $first: Int) { regions(parent: $parent, first: $first)"
        " { edges { node { code name } } } }",
        {"parent": "31", "first": 3},
        True,
    ),
    (
        '{ regions(parent: "35", first: 4, after: "YXJyYXljb25uZWN0aW9uOjE=") { __typename'
        " pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }"
        " edges { cursor __typename node { __typename id kode: code p: parent { id name } } } } }",
        None,
        True,
    ),
    # The last page: no next page, fewer rows than asked for.
    (
        '{ regions(parent: "35", first: 50, after: "YXJyYXljb25uZWN0aW9uOjI5") {'
        " pageInfo { hasNextPage startCursor endCursor } edges { cursor node { code } } } }",
        None,
        True,
    ),
    # An empty page.
    (
        '{ regions(parent: "99", first: 5) { pageInfo { hasNextPage startCursor endCursor }'
        " edges { node { code } } } }",
        None,
        True,
    ),
    # A province has no parent: null, not an object of nulls.
    (
        "{ regions(level: 1, first: 3) {"
        " edges { node { code parent { code parent { code } } } } } }",
        None,
        True,
    ),
    (
        '{ regions(within: "35.07", q: "SUMBER", kind: "desa", first: 20) {'
        " edges { node { code name kind } } } }",
        None,
        True,
    ),
    (AGENCIES, None, True),
    (
        '{ agencies(q: "kompil", first: 10) { edges { node { id databaseId slug type status'
        " identifiers version createdAt updatedAt website acronym region { id code kind } } } } }",
        None,
        True,
    ),
    (
        "query($t: [String]) { agencies(type: $t, first: 5) { edges { node { slug type } } } }",
        {"t": ["pemkab", "pemkot"]},
        True,
    ),
    # Not compiled, answered by graphql-core: a parent agency has its own policy, lists,
    # fragments, directives, counting paths and invalid input.
    ("{ agencies(first: 5) { edges { node { slug parent { slug } } } } }", None, False),
    ("{ agencies(first: 5) { edges { node { slug officialDomains } } } }", None, False),
    (
        '{ regions(parent: "35", first: 2) { edges { node { code ancestors { code } } } } }',
        None,
        False,
    ),
    (
        '{ regions(parent: "35", first: 2) { edges { node { ...R } } } }'
        " fragment R on Region { code }",
        None,
        False,
    ),
    (
        'query($a: Boolean!) { regions(parent: "35", first: 2) {'
        " edges { node { code name @include(if: $a) } } } }",
        {"a": False},
        False,
    ),
    ('{ regions(parent: "35", last: 2) { edges { node { code } } } }', None, False),
    ('{ regions(parent: "35", first: 2, offset: 3) { edges { node { code } } } }', None, False),
    ('{ regions(parent: "35", first: 101) { edges { node { code } } } }', None, False),
    ('{ regions(kind: "planet", first: 2) { edges { node { code } } } }', None, False),
    (
        'query($f: Int) { regions(parent: "35", first: $f) { edges { node { code } } } }',
        {"f": "many"},
        False,
    ),
    (
        '{ regions(parent: "35", first: 2) { edges { node { code } } } agencies(first: 1) {'
        " edges { node { slug } } } }",
        None,
        False,
    ),
    (
        '{ regions(parent: "35", first: 2) { edges { node { code } } n: edges { cursor } } }',
        None,
        False,
    ),
]


@pytest.fixture
def agencies(make_agency):
    make_agency("kompil-jatim", name="Kompil Jatim", type="pemprov", region="35")
    make_agency(
        "kompil-malang",
        name="Kompil Malang",
        type="pemkab",
        region="35.07",
        parent="kompil-jatim",
        identifiers=[{"scheme": "npwp", "value": "01.234"}],
    )
    make_agency("kompil-pusat", name="Kompil Pusat", type="lpnk", acronym="KP")
    hidden = make_agency("kompil-beku", name="Kompil Beku", type="lpnk")
    agency_update(principal=PLATFORM, agency=hidden, data={"status": "suspended"})
    return Agency.objects.get(slug="kompil-malang")


@pytest.mark.parametrize(("query", "variables", "compiles"), CASES)
@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_compiled_answers_equal_graphql_core(
    api, make_user, agencies, who, query, variables, compiles
):
    plans.clear()
    user = {
        "anonymous": None,
        "editor": lambda: make_user(agencies, "editor"),
        "admin": lambda: make_user(superuser=True),
    }[who]
    client = api(user=user()) if user else api()
    compiled, full = graphql_both(client, query, variables)
    assert compiled == full
    assert bool(graphql_plans(query)) is compiles
    if compiles:
        status, body = compiled
        assert status == 200 and "errors" not in body
        assert next(iter(body["data"].values())) is not None


def test_suspended_agencies_stay_hidden_from_anonymous_and_visible_to_admins(
    api, make_user, agencies
):
    query = '{ agencies(q: "kompil", first: 10) { edges { node { slug status } } } }'
    slugs = {
        who: [e["node"]["slug"] for e in client.gql(query)["data"]["agencies"]["edges"]]
        for who, client in (("anonymous", api()), ("admin", api(user=make_user(superuser=True))))
    }
    assert "kompil-beku" not in slugs["anonymous"]
    assert "kompil-beku" in slugs["admin"]
    assert len(graphql_plans(query)) == 2  # one per principal scope


def test_a_compiled_plan_is_executed_again_and_reads_fresh_rows(api, make_agency, agencies):
    query = '{ agencies(q: "kompil", first: 10) { edges { node { slug name } } } }'
    client = api()
    client.gql(query)
    with CaptureQueriesContext(connection) as captured:
        before = client.gql(query)["data"]["agencies"]["edges"]
    assert len(captured.captured_queries) == 1
    assert '"slug"' in captured.captured_queries[0]["sql"]
    make_agency("kompil-baru", name="Kompil Baru", type="lpnk")
    after = client.gql(query)["data"]["agencies"]["edges"]
    assert len(after) == len(before) + 1
    assert {"slug": "kompil-baru", "name": "Kompil Baru"} in [e["node"] for e in after]


def test_shapes_are_cached_per_document_and_operation():
    text = "query A { regions(first: 1) { edges { node { code } } } } query B { x: __typename }"
    document = parse(text)
    first, second = document.definitions
    shape = connection_shape(schema.graphql_schema, text, first)
    assert shape is not None and shape.node.columns() == ["code", "code"]
    assert connection_shape(schema.graphql_schema, text, first) is shape
    assert connection_shape(schema.graphql_schema, text, second) is None


def test_leaf_serialization_defers_to_graphql_core_for_what_it_would_report():
    from graphql import GraphQLInt

    required = PlainLeaf("n", None, GraphQLInt.serialize, nullable=False, choice=False)
    optional = required._replace(nullable=True)
    assert serialize_leaf(required, 7) == 7
    assert serialize_leaf(optional, None) is None
    assert serialize_leaf(required, None) is FULL_PATH  # non-null violation
    assert serialize_leaf(required, "many") is FULL_PATH  # the scalar refuses it
    choice = required._replace(choice=True, nullable=True, serialize=str)
    assert serialize_leaf(choice, "") is None  # graphene-django: a blank choice reads as null


def test_turned_off_every_query_runs_through_graphql_core(api):
    plans.clear()
    with override_settings(HUB_GRAPHQL_COMPILED=False):
        body = api().gql(REGIONS)
    assert len(body["data"]["regions"]["edges"]) == 38  # the regencies and cities of Jawa Timur
    assert graphql_plans(REGIONS) == []
    api().gql(REGIONS)
    assert len(graphql_plans(REGIONS)) == 1


@pytest.mark.parametrize(
    ("type_name", "field", "values"),
    [
        ("Agency", "slug", ["a", "", 7, True, None]),
        (
            "Agency",
            "version",
            [1, 0, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, True, "7", None],
        ),
        ("Agency", "type", ["pemkab", "PEMKAB", "pemkab", "", "planet", None, Agency.Type.PEMKOT]),
        ("Agency", "status", ["active", "suspended", "active", "x"]),
        ("Region", "kind", ["kota", "desa_adat", "kota", ""]),
    ],
)
def test_compiled_leaf_readers_answer_as_serialize_leaf(type_name, field, values):
    from api.graphql.compiled import _reader
    from api.graphql.execution import plain_leaf

    object_type = schema.graphql_schema.get_type(type_name)
    leaf = plain_leaf(object_type, field)
    read = _reader(leaf, object_type.fields[field])
    for value in values:  # repeated values: the second answer comes from the memo
        assert read(value) == serialize_leaf(leaf, value), value
