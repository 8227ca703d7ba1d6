"""GraphQL refuses a caller's mistake with a stable code, never ``internal_error``.

Refused mutations answer typed ``errors`` (and ``ok: false``) and write nothing;
unusable cursors, bad filter values and malformed bodies are client errors with
their codes; errors of query resolvers speak the request's language and name
the arguments they concern.
"""

import base64
import logging

import orjson
import pytest

from agencies import policy
from agencies.contacts.models import ContactPoint, Office, ShortCode
from agencies.contacts.services import contact_create, office_create, person_create, post_create
from hub.models import AuditEntry, ChangeEvent

pytestmark = pytest.mark.django_db

MISSING = 999_999


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def trail() -> tuple[int, int]:
    return AuditEntry.objects.count(), ChangeEvent.objects.count()


def post_body(api, body: bytes, content_type: str = "application/json", **headers):
    return api().client.generic("POST", "/graphql", body, content_type=content_type, **headers)


@pytest.fixture
def directory(make_agency, make_user):
    """An agency with an editor and a viewer, an office holding a post and a contact."""
    agency = make_agency("refusal-uji", type="perangkat_daerah", region="35.07")
    editor = make_user(agency, "editor")
    acting = policy.principal_for_user(editor)
    office = office_create(
        principal=acting,
        agency=agency,
        data={
            "external_id": "kantor",
            "name": "Kantor Uji",
            "address": "Jl. Trunojoyo Kav. 4, Kepanjen",
            "region": "35.07.13",
        },
    )
    person = person_create(principal=acting, agency=agency, data={"name": "Budi"})
    post = post_create(
        principal=acting,
        agency=agency,
        data={"external_id": "ppid", "label": "PPID", "role": "ppid", "office": office.pk},
    )
    contact = contact_create(
        principal=acting,
        agency=agency,
        data={
            "external_id": "hotline",
            "office": office.pk,
            "channel": "voice",
            "value": "(0341) 393008",
        },
    )
    return {
        "agency": agency,
        "editor": editor,
        "viewer": make_user(agency, "viewer"),
        "office": office,
        "person": person,
        "post": post,
        "contact": contact,
    }


# --- 1. refused mutations with a required `ok` ------------------------------------------


@pytest.mark.parametrize(
    "mutation",
    [
        "contactDelete(id: $id)",
        "officeDelete(id: $id)",
        "postDelete(id: $id)",
        "personErase(id: $id)",
        "mediaAssetDelete(id: $id)",
        "mediaCollectionDelete(id: $id)",
    ],
)
def test_deleting_what_is_not_there_answers_not_found(api, directory, mutation):
    body = api(user=directory["editor"]).gql(
        f"mutation($id: Int!) {{ result: {mutation} {{ ok errors {{ field code message }} }} }}",
        {"id": MISSING},
    )
    assert body.get("errors") is None, body
    result = body["data"]["result"]
    assert result["ok"] is False
    assert [e["code"] for e in result["errors"]] == ["not_found"]
    assert result["errors"][0]["message"] == "Data tidak ditemukan."


def test_short_code_delete_answers_not_found_and_permission_denied(api, directory, make_user):
    query = "mutation($code: String!) { shortCodeDelete(code: $code) { ok errors { code } } }"
    admin = api(user=make_user(superuser=True))
    missing = admin.gql(query, {"code": "99999"})["data"]["shortCodeDelete"]
    assert missing == {"ok": False, "errors": [{"code": "not_found"}]}

    code = ShortCode.objects.values_list("code", flat=True).first()
    before = trail()
    refused = api(user=directory["editor"]).gql(query, {"code": code})["data"]["shortCodeDelete"]
    assert refused == {"ok": False, "errors": [{"code": "permission_denied"}]}
    assert ShortCode.objects.filter(code=code).exists()
    assert trail() == before


def test_an_office_in_use_is_refused_and_kept(api, directory):
    office = directory["office"]
    before = trail()
    body = api(user=directory["editor"], lang="en").gql(
        "mutation($id: Int!) { officeDelete(id: $id) { ok errors { field code message } } }",
        {"id": office.pk},
    )
    message = "The office still has contacts or posts."
    assert body["data"]["officeDelete"] == {
        "ok": False,
        "errors": [{"field": None, "code": "office_in_use", "message": message}],
    }
    assert Office.objects.filter(pk=office.pk).exists()
    assert trail() == before


def test_a_viewer_deleting_a_contact_is_denied(api, directory):
    contact = directory["contact"]
    before = trail()
    body = api(user=directory["viewer"]).gql(
        "mutation($id: Int!) { contactDelete(id: $id) { ok errors { code } } }",
        {"id": contact.pk},
    )
    assert body["data"]["contactDelete"] == {"ok": False, "errors": [{"code": "permission_denied"}]}
    assert ContactPoint.objects.filter(pk=contact.pk).exists()
    assert trail() == before


def test_an_anonymous_delete_is_not_authenticated(api, directory):
    body = api().gql(
        "mutation($id: Int!) { contactDelete(id: $id) { ok errors { code } } }",
        {"id": directory["contact"].pk},
    )
    assert body["data"]["contactDelete"] == {"ok": False, "errors": [{"code": "not_authenticated"}]}


def test_a_successful_delete_still_answers_ok(api, directory):
    contact = directory["contact"]
    body = api(user=directory["editor"]).gql(
        "mutation($id: Int!) { contactDelete(id: $id) { ok errors { code } } }",
        {"id": contact.pk},
    )
    assert body["data"]["contactDelete"] == {"ok": True, "errors": []}
    assert not ContactPoint.objects.filter(pk=contact.pk).exists()


# --- 2. unusable cursors -----------------------------------------------------------------

BAD_CURSORS = [
    cursor("arrayconnection:-5"),
    "bukan-kursor",
    cursor("arrayconnection:lima"),
    cursor("somethingelse:3"),
]


@pytest.mark.parametrize("field", ["contacts", "agencies", "offices", "persons", "regions"])
@pytest.mark.parametrize("after", BAD_CURSORS)
def test_an_unusable_after_cursor_is_invalid_cursor(api, directory, field, after):
    body = api(user=directory["editor"]).gql(
        f"query($after: String) {{ {field}(first: 2, after: $after) {{ edges {{ cursor }} }} }}",
        {"after": after},
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"], body
    assert body["data"] == {field: None}


@pytest.mark.parametrize("field", ["contacts", "regions"])
def test_an_unusable_before_cursor_is_invalid_cursor(api, directory, field):
    body = api(user=directory["editor"]).gql(
        f'{{ {field}(last: 2, before: "bukan-kursor") {{ edges {{ node {{ id }} }} }} }}'
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"], body


def test_a_cursor_the_list_gave_still_pages(api, directory, make_agency):
    for index in range(3):
        make_agency(f"kursor-{index}")
    client = api(user=directory["editor"])
    query = (
        'query($after: String) { agencies(q: "kursor-", first: 2, after: $after)'
        " { pageInfo { endCursor } edges { node { slug } } } }"
    )
    first = client.gql(query)["data"]["agencies"]
    second = client.gql(query, {"after": first["pageInfo"]["endCursor"]})["data"]["agencies"]
    assert [e["node"]["slug"] for e in second["edges"]] == ["kursor-2"]
    beyond = client.gql(query, {"after": cursor("arrayconnection:500")})["data"]["agencies"]
    assert beyond["edges"] == []
    # An empty `after` is no cursor at all: the first page, as before.
    again = client.gql(query, {"after": ""})["data"]["agencies"]
    assert again["edges"] == first["edges"]


# --- 3. bad filter values on lists whose FilterSet has its own `qs` ----------------------


@pytest.mark.parametrize(
    ("arguments", "rest_query", "field"),
    [
        ('clarifications(status: ["nope"])', "/api/v1/clarifications/?status=nope", "status"),
        ('bulletins(capStatus: "nope")', "/api/v1/bulletins/?cap_status=nope", "cap_status"),
        ('bulletins(msgType: "x")', "/api/v1/bulletins/?msg_type=x", "msg_type"),
    ],
)
def test_a_bad_filter_value_is_validation_failed_as_in_rest(
    api, make_user, arguments, rest_query, field
):
    client = api(user=make_user(superuser=True))
    body = client.gql(f"{{ {arguments} {{ edges {{ node {{ id }} }} }} }}")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "validation_failed", body
    assert error["message"] == "Data yang dikirim tidak valid."
    rest = client.get(rest_query)
    assert rest.status_code == 400
    assert error["extensions"]["errors"] == rest.json()["errors"]
    assert [e["field"] for e in error["extensions"]["errors"]] == [field]


def test_a_claim_id_that_is_no_whole_number_is_refused_in_both(api, make_user):
    """GraphQL's Int refuses it before the filter runs; REST's filter refuses it too."""
    client = api(user=make_user(superuser=True))
    body = client.gql('{ clarifications(claim: "NaN") { edges { node { id } } } }', status=400)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["graphql_invalid"]
    rest = client.get("/api/v1/clarifications/?claim=NaN")
    assert rest.status_code == 400
    assert [(e["field"], e["code"]) for e in rest.json()["errors"]] == [("claim", "invalid_filter")]


def test_good_filter_values_still_filter(api, make_user):
    body = api(user=make_user(superuser=True)).gql(
        '{ bulletins(capStatus: "Actual", status: ["draft"]) { edges { node { id } } } }'
    )
    assert body == {"data": {"bulletins": {"edges": []}}}


# --- 4. malformed request bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"query": 5},
        {"query": ["{ me { kind } }"]},
        {"query": "{ me { kind } }", "variables": [1]},
        {"query": "{ me { kind } }", "variables": 7},
        {"query": "{ me { kind } }", "variables": "[1]"},
        {"query": "{ me { kind } }", "variables": ""},
        {"query": "{ me { kind } }", "operationName": 5},
    ],
)
def test_a_body_of_the_wrong_shape_is_graphql_invalid(api, caplog, payload):
    with caplog.at_level(logging.ERROR):
        response = post_body(api, orjson.dumps(payload))
    assert response.status_code == 400, response.content
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["graphql_invalid"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_absent_or_empty_variables_still_run(api):
    for variables in (None, {}):
        payload = {"query": "{ me { kind } }", "variables": variables}
        response = post_body(api, orjson.dumps(payload))
        assert response.json() == {"data": {"me": {"kind": "anonymous"}}}, variables


@pytest.mark.parametrize("content_type", ["application/json", "application/graphql"])
def test_a_body_over_the_limit_is_payload_too_large(api, settings, content_type):
    padding = " " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    if content_type == "application/json":
        body = orjson.dumps({"query": "{ me { kind } }" + padding})
    else:
        body = ("{ me { kind } }" + padding).encode()
    response = post_body(api, body, content_type, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"message": "The payload is too large.", "extensions": {"code": "payload_too_large"}}
        ]
    }


# --- 5. errors of query resolvers ---------------------------------------------------------


def test_a_query_resolver_error_speaks_indonesian_by_default_and_names_the_field(api):
    body = api().gql('{ hotline(region: "xx") { via } }')
    error = body["errors"][0]
    assert error["message"] == "Data yang dikirim tidak valid."
    assert error["extensions"] == {
        "code": "validation_failed",
        "errors": [
            {"field": "region", "code": "unknown_region", "message": "Kode wilayah tidak dikenal."}
        ],
    }


def test_a_query_resolver_error_speaks_english_when_asked(api):
    body = api(lang="en").gql('{ search(q: "") { total } }')
    error = body["errors"][0]
    assert error["message"] == "The submitted data is invalid."
    assert error["extensions"] == {
        "code": "validation_failed",
        "errors": [{"field": "q", "code": "required", "message": "q is required."}],
    }


def test_an_error_without_field_errors_has_no_errors_list(api):
    body = api(lang="en").gql("{ memberships { edges { node { role } } } }")
    assert body["errors"][0]["extensions"] == {"code": "not_authenticated"}
    assert body["errors"][0]["message"] == "Authentication is required."
