"""GraphQL conventions: relay connections, depth and cost limits, typed errors, GraphiQL."""

import pytest

pytestmark = pytest.mark.django_db


def test_relay_connection_pages(api, make_agency):
    for i in range(3):
        make_agency(f"relay-{i}", name=f"Relay {i}")
    client = api()
    first = client.gql(
        '{ agencies(q: "relay-", first: 2) {'
        " pageInfo { hasNextPage endCursor } edges { node { slug } } } }"
    )
    page = first["data"]["agencies"]
    assert [e["node"]["slug"] for e in page["edges"]] == ["relay-0", "relay-1"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    second = client.gql(
        'query($after: String) { agencies(q: "relay-", first: 2, after: $after)'
        " { edges { node { slug } } } }",
        {"after": after},
    )
    assert [e["node"]["slug"] for e in second["data"]["agencies"]["edges"]] == ["relay-2"]


def test_depth_limit(api):
    nested = "parent { " * 7 + "code" + " }" * 7
    deep = "{ regions(first: 1) { edges { node { " + nested + " } } } }"
    body = api().gql(deep, status=400)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "query_too_deep"


def test_cost_limit(api):
    costly = """{
        regions(first: 100) { edges { node {
            code ancestors { code name level kind } parent { code name level kind } } } }
        a: regions(first: 100) { edges { node { code ancestors { code name } } } }
        b: agencies(first: 100) { edges { node {
            slug region { code name level kind } parent { slug name } } } }
    }"""
    body = api().gql(costly)
    # Within limits it runs; the same query asking for far more rows is refused up front.
    bigger = costly.replace("first: 100", "first: 5000")
    refused = api().gql(bigger, status=400)
    assert refused.get("data") is None
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "query_too_costly"
    assert "data" in body and body.get("errors") is None


def test_mutation_errors_are_typed(api, make_user):
    admin = make_user(superuser=True)
    body = api(user=admin).gql(
        'mutation { agencyCreate(input: {name: "X", type: "pemkab", region: "35"})'
        " { agency { slug } errors { field code message } } }"
    )
    errors = body["data"]["agencyCreate"]["errors"]
    assert errors == [
        {
            "field": "region",
            "code": "region_level_mismatch",
            "message": errors[0]["message"],
        }
    ]
    assert "35" in errors[0]["message"]


def test_query_errors_carry_codes(api):
    body = api().gql("{ memberships { edges { node { role } } } }")
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"


def test_graphiql_in_the_browser(api):
    response = api().client.get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"graphiql" in response.content.lower()


def test_api_answers_set_no_cookie_while_graphiql_gets_the_csrf_cookie(api, make_user):
    query = {"query": '{ regions(parent: "35", first: 1) { edges { node { code name } } } }'}
    for client in (api(), api(user=make_user(superuser=True))):
        response = client.client.post("/graphql", query, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["regions"]["edges"][0]["node"]["code"] == "35.01"
        assert "csrftoken" not in response.cookies

    page = api().client.get("/graphql", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "csrftoken" in page.cookies


def test_paging_arguments_no_page_can_answer_are_client_errors(api):
    for arguments, problem in (
        ("first: 101", "`first` may be at most 100"),
        ("last: -1", "`last` must not be negative"),
        ('offset: 2, before: "YXJyYXljb25uZWN0aW9uOjE="', "`offset` and `before`"),
    ):
        body = api(lang="en").gql(f"{{ regions({arguments}) {{ edges {{ node {{ code }} }} }} }}")
        error = body["errors"][0]
        assert error["extensions"]["code"] == "invalid_paging", error
        assert problem in error["message"]
        assert body["data"] == {"regions": None}


def test_a_variable_of_the_wrong_type_is_the_callers_mistake(api):
    response = api().client.post(
        "/graphql",
        {"query": "query($level: Int) { regions(level: $level) { edges { node { code } } } }",
         "variables": {"level": "satu"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["graphql_invalid"]


def test_node_answers_null_for_an_id_naming_nothing(api, make_agency):
    import base64

    make_agency("node-uji")
    good = api().gql('{ agency(slug: "node-uji") { id } }')["data"]["agency"]["id"]
    for global_id in ("bukan-id", base64.b64encode(b"Nope:1").decode(), ""):
        body = api().gql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
        assert body == {"data": {"node": None}}, global_id
    found = api().gql("query($id: ID!) { node(id: $id) { id } }", {"id": good})
    assert found["data"]["node"] == {"id": good}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b'{"query": "{ regions { edges { cursor } } }", "variables": {"q": "\\ud800"}}',
            "application/json",
        ),
        (b'{"query": "{ regions { edges { cursor } } }"', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"{ regions { edges { cursor } } }\xff", "application/graphql"),
        (
            b'{"query": "{ regions { edges { cursor } } }", "variables": {"q": '
            + b"[" * 40
            + b"]" * 40
            + b"}}",
            "application/json",
        ),
    ],
)
def test_a_body_that_is_not_json_text_is_refused(api, body, content_type):
    response = api().client.generic("POST", "/graphql", body, content_type=content_type)
    assert response.status_code == 400
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["graphql_invalid"]
