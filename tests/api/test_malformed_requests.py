"""Every operation, called with malformed input, answers a client error: never a 500.

REST operations come from the OpenAPI document and GraphQL fields from the
schema, so a new endpoint is swept without editing this file. Path
parameters and ids are filled with a real object's id (from the demo data)
and with hostile values; query parameters, headers, JSON bodies and GraphQL
arguments get values of the wrong type, out of range, too long or holding a
NUL character. A REST answer must be a success (a hostile value may well be
harmless) or a 4xx ``application/problem+json`` body with a stable
``code``; a GraphQL error must never be an ``internal_error``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
import yaml
from django.conf import settings

from agencies import policy
from agencies.models import Agency
from hub.demo import demo_load
from hub.management.commands.export_schemas import API_DOCS
from hub.models import AuditEntry, ChangeEvent

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")
# Percent-encoded as sent; "%ED%A0%80" is a UTF-16 surrogate, "%FF" no UTF-8 at all.
HOSTILE_PATH = ["0", "-1", "99999999999999999999999", "abc", "%00", "a%00b", "%27%22", "x" * 300]
HOSTILE_PATH += ["%ED%A0%80", "%FF"]
HOSTILE_QUERY = [
    quote(value)
    for value in ["", "-1", "99999999999999999999999", "\x00", "2026-13-45", "x" * 3000, "[]"]
] + ["%ED%A0%80", "%FF"]
# Filters and paging list endpoints take besides the documented ones.
COMMON_QUERY = [
    "page",
    "page_size",
    "cursor",
    "ordering",
    "q",
    "agency",
    "region",
    "status",
    "kind",
    "tag",
    "type",
    "updated_since",
    "since",
    "verdict",
    "collection",
]
HOSTILE_BODIES = [b"{", b"[]", b"null", b'"text"', b"1e999999"]
HOSTILE_BODIES += [b'{"a":' * 1000 + b"1" + b"}" * 1000]  # as deep as the JSON parser allows
HOSTILE_VALUES = [None, [1, 2], {"a": 1}, 10**30, -1, True, "\x00", "x" * 100_000, "2026-13-45"]
HOSTILE_VALUES += [1e308, 0.5, -0.0, [None] * 1000]
HOSTILE_VALUES += ["\ud800"]  # a lone surrogate: valid JSON, not text
HOSTILE_VALUES += ["DEEP"]  # stands for a list nested 1000 deep (see _deep)


@pytest.fixture
def sweep(request, settings, tmp_path, make_user, make_key, api):
    """(caller, OpenAPI document) over the demo data; the caller is a platform admin
    by default, or (``"system"``) an agency system holding every scope."""
    settings.HUB_STORAGE = "local"
    settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
    demo_load()
    if getattr(request, "param", "admin") == "system":
        bnpb = Agency.objects.get(slug="bnpb")
        make_key(bnpb)  # listed first: the key the sweep revokes, not its own
        client = api(key=make_key(bnpb, *policy.SCOPES))
    else:
        client = api(user=make_user(superuser=True))
    client.client.raise_request_exception = False  # a 500 is reported, not raised
    # The committed document, which test_contracts keeps equal to the served one.
    document = yaml.safe_load((API_DOCS / "openapi.yaml").read_text())
    return client, document


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _real_value(client, path: str, name: str) -> str | None:
    """The id (or code, slug) of an existing object for `{name}` in `path`, if any."""
    collection = path[: path.index("{" + name + "}")]
    if "{" in collection:
        return None
    response = client.get(collection)
    if response.status_code != 200:
        return None
    body = response.json()
    items = body.get("results", body) if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        return None
    value = items[0].get(name, items[0].get("id"))
    return None if value is None else str(value)


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def _body_properties(document: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("properties", {}))


def _check(response, where: str, failures: list[str]) -> None:
    status = response.status_code
    if getattr(response, "wrote_although_refused", False):
        failures.append(f"{where}: {status}, yet an audit entry or change event was written")
    if status >= 500:
        failures.append(f"{where}: {status} {response.content[:200]!r}")
    elif status >= 400:
        kind = response.get("Content-Type", "")
        if not kind.startswith("application/problem+json"):
            failures.append(f"{where}: {status} answered {kind!r}")
        elif not response.json().get("code"):
            failures.append(f"{where}: {status} without a code")


def _trail() -> tuple[int, int]:
    """What every committed write leaves: audit entries and change events.

    A refused credential is audited by design (``auth.failure``): not a write.
    """
    audited = AuditEntry.objects.exclude(action="auth.failure").count()
    return audited, ChangeEvent.objects.count()


def _send(client, method: str, path: str, body: bytes | None = None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": body, "content_type": "application/json"}
    before = _trail() if method != "get" else None
    response = getattr(client.client, method)(path, **kwargs)
    # A refused write leaves nothing behind: no audit entry, no change event.
    response.wrote_although_refused = (
        before is not None and 400 <= response.status_code < 500 and _trail() != before
    )
    return response


@pytest.mark.parametrize("sweep", ["admin", "system"], indirect=True)
def test_no_operation_answers_malformed_input_with_a_server_error(sweep):
    client, document = sweep
    failures: list[str] = []
    swept = 0
    for method, template, operation in _operations(document):
        names = re.findall(r"\{(\w+)\}", template)
        real = {name: _real_value(client, template, name) for name in names}
        real = {name: value for name, value in real.items() if value is not None}
        # Hostile path values, one parameter at a time.
        for name in names:
            for hostile in HOSTILE_PATH:
                path = _fill(template, {**real, name: hostile})
                _check(_send(client, method, path), f"{method.upper()} {path}", failures)
                swept += 1
        path = _fill(template, real)
        if method == "get":
            documented = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            common = COMMON_QUERY if not names else []  # lists take filters and paging
            for name in dict.fromkeys([*documented, *common]):
                for hostile in HOSTILE_QUERY:
                    url = f"{path}?{quote(name)}={hostile}"
                    _check(_send(client, method, url), f"GET {url[:120]}", failures)
                    swept += 1
            continue
        for body in HOSTILE_BODIES:
            where = f"{method.upper()} {path} body {body[:20]!r}"
            _check(_send(client, method, path, body), where, failures)
            swept += 1
        # One byte over the JSON limit: refused unread (413) or never read at all.
        oversized = b'{"a": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
        response = _send(client, method, path, oversized)
        _check(response, f"{method.upper()} {path} oversized body", failures)
        if 200 <= response.status_code < 300 and _body_properties(document, operation):
            failures.append(f"{method.upper()} {path} accepted an oversized body")
        for name in _body_properties(document, operation):
            for hostile in HOSTILE_VALUES:
                body = json.dumps({name: hostile}).encode()
                if hostile == "DEEP":
                    body = b'{"' + name.encode() + b'": ' + b"[" * 1000 + b"]" * 1000 + b"}"
                where = f"{method.upper()} {path} {{{name}: {str(hostile)[:20]!r}}}"
                _check(_send(client, method, path, body), where, failures)
                swept += 1
    assert swept > 2000
    assert client.get("/api/v1/agencies/").status_code == 200  # still the same caller
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:200])


def test_nul_in_a_json_body_names_the_field_and_changes_nothing(api, make_user, make_agency):
    agency = make_agency("nul-body", official_domains=["nul-body.go.id"])
    client = api(user=make_user(superuser=True), lang="en")
    response = client.patch(
        f"/api/v1/agencies/{agency.slug}/",
        {"name": "Baru", "official_domains": ["ok.go.id", "a\x00b.go.id"]},
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "nul_character"
    assert body["errors"] == [
        {
            "field": "official_domains.1",
            "code": "nul_character",
            "message": "Text must not contain the NUL character (U+0000).",
        }
    ]
    agency.refresh_from_db()
    assert agency.name == "Instansi nul-body" and agency.official_domains == ["nul-body.go.id"]
    # A backslash followed by "u0000" is ordinary text.
    escaped = client.patch(f"/api/v1/agencies/{agency.slug}/", {"name": "Garis \\u0000 miring"})
    assert escaped.status_code == 200 and escaped.json()["name"] == "Garis \\u0000 miring"


def test_a_body_nested_deeper_than_any_document_is_refused(api, make_user, make_agency):
    agency = make_agency("deep-body")
    client = api(user=make_user(superuser=True))
    deep = b'{"name": ' + b"[" * 33 + b"]" * 33 + b"}"
    response = client.client.patch(
        f"/api/v1/agencies/{agency.slug}/", deep, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    # Deeper than the JSON reader itself goes (1024 levels): the same answer.
    abyss = b'{"name": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    response = client.client.patch(
        f"/api/v1/agencies/{agency.slug}/", abyss, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    # 32 levels is still a document (refused for its type, not its depth).
    shallow = b'{"name": ' + b"[" * 31 + b"]" * 31 + b"}"
    response = client.client.patch(
        f"/api/v1/agencies/{agency.slug}/", shallow, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/agencies/?fields=a%00b", "fields"),
        ("/api/v1/hotlines?region=35%00", "region"),
        ("/api/v1/agencies/bnpb%00/", "path"),
        ("/api/v1/directory/a%00/vcard/", "path"),
    ],
)
def test_nul_in_the_path_or_a_query_parameter_is_refused(api, path, field):
    response = api().get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["X-Request-ID"]
    assert response.json()["code"] == "nul_character"
    assert response.json()["errors"] == [
        {
            "field": field,
            "code": "nul_character",
            "message": "Teks tidak boleh mengandung karakter NUL (U+0000).",
        }
    ]


def test_graphql_text_the_database_refuses_is_a_typed_error(api, make_user):
    """A GraphQL string literal reaches the service unchecked: the database's refusal is typed."""
    from agencies.models import Agency

    before = Agency.objects.count()
    body = api(user=make_user(superuser=True)).gql(
        'mutation { agencyCreate(input: {slug: "nul-gql", name: "A\\u0000B", type: "lpnk"})'
        " { agency { slug } errors { field code } } }"
    )
    assert body["data"]["agencyCreate"] == {
        "agency": None,
        "errors": [{"field": None, "code": "nul_character"}],
    }
    assert Agency.objects.count() == before


def test_other_values_the_database_refuses_are_client_errors():
    from django.db import DataError

    from api.errors import problem_body, to_hub_error

    error = to_hub_error(DataError("value too long for type character varying(80)"))
    body = problem_body(error)
    assert (body["status"], body["code"]) == (400, "invalid_value")
    assert "varying" not in body["detail"]  # the database's words stay in the log


HOSTILE_HEADERS = [
    ("HTTP_IF_MATCH", '"nope"'),
    ("HTTP_IF_MATCH", "W/" + "x" * 5000),
    ("HTTP_IF_NONE_MATCH", "*, garbage, ,"),
    ("HTTP_ACCEPT", "application/xml"),
    ("HTTP_ACCEPT", "*/*;q=abc, text/html;level=, ;;"),
    ("HTTP_ACCEPT_LANGUAGE", "xx-YY;q=2, ;q=, id;q=abc"),
    ("HTTP_RANGE", "bytes=9-1"),
    ("HTTP_RANGE", "bytes=99999999999999999999-"),
    ("HTTP_RANGE", "lines=1-2"),
    ("HTTP_X_REQUEST_ID", "\u00e9" * 100),
    ("CONTENT_TYPE", "multipart/form-data"),
    ("CONTENT_TYPE", "multipart/form-data; boundary="),
    ("CONTENT_TYPE", "application/json; charset=bogus"),
    ("CONTENT_TYPE", "text/plain"),
    ("HTTP_UPLOAD_LENGTH", "-1"),
    ("HTTP_UPLOAD_OFFSET", "x"),
    ("HTTP_TUS_RESUMABLE", "0.2.2"),
]


def test_no_operation_answers_hostile_headers_with_a_server_error(sweep):
    client, document = sweep
    failures: list[str] = []
    for method, template, _operation in _operations(document):
        names = re.findall(r"\{(\w+)\}", template)
        real = {name: _real_value(client, template, name) for name in names}
        path = _fill(template, {k: v for k, v in real.items() if v is not None})
        for header, value in HOSTILE_HEADERS:
            extra = {header: value}
            kwargs = {}
            if method != "get":
                kwargs = {"data": b'{"title": "x"}', "content_type": "application/json"}
                if header == "CONTENT_TYPE":
                    kwargs["content_type"] = value
                    extra = {}
            response = getattr(client.client, method)(path, **kwargs, **extra)
            _check(response, f"{method.upper()} {path} {header}: {value[:30]!r}", failures)
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:200])


# -- GraphQL -----------------------------------------------------------------------------------

# REST collections holding the objects GraphQL mutations take by id, by the mutation's noun.
COLLECTIONS = {
    "mediaAsset": "/api/v1/media/",
    "mediaCollection": "/api/v1/media-collections/",
    "agency": "/api/v1/agencies/",
    "apiKey": "/api/v1/api-keys/",
    "apiClient": "/api/v1/api-clients/",
    "person": "/api/v1/persons/",
    "claimAppearance": "/api/v1/claims/",
}
HOSTILE_TEXT = ["x\x00y", "x" * 100_000, "2026-13-45", "-1", "", "\ud800"]


def _noun(field_name: str) -> str:
    """``officeUpdate`` → ``office``: the mutation's name without its verb."""
    return re.sub(r"[A-Z][a-z]*$", "", field_name)


def _collection(noun: str) -> str:
    kebab = re.sub(r"([A-Z])", r"-\1", noun).lower()
    return COLLECTIONS.get(noun) or f"/api/v1/{kebab}s/"


def _value(gql_type, text: str):
    """A value of `gql_type` whose every text leaf is `text` (and numbers at their edges)."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLList,
        GraphQLNonNull,
    )

    if isinstance(gql_type, GraphQLNonNull):
        return _value(gql_type.of_type, text)
    if isinstance(gql_type, GraphQLList):
        return [_value(gql_type.of_type, text)]
    if isinstance(gql_type, GraphQLInputObjectType):
        return {name: _value(field.type, text) for name, field in gql_type.fields.items()}
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    return {
        "Int": 2147483647 if text else -1,
        "Float": 1e308,
        "Boolean": True,
    }.get(gql_type.name, text)


def _document(kind: str, name: str, field) -> str:
    from graphql import get_named_type, is_leaf_type

    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    return f"{kind} Sweep({declared}) {{ {name}({passed}){selection} }}"


@pytest.mark.parametrize("sweep", ["admin", "system"], indirect=True)
def test_no_graphql_field_answers_hostile_arguments_with_an_internal_error(sweep):
    from api.graphql.schema import schema

    client, _ = sweep
    failures: list[str] = []
    swept = 0
    graphql_schema = schema.graphql_schema
    for kind, root in (
        ("query", graphql_schema.query_type),
        ("mutation", graphql_schema.mutation_type),
    ):
        for name, field in root.fields.items():
            if not field.args:
                continue
            real = _real_value(client, _collection(_noun(name)) + "{id}/", "id")
            document = _document(kind, name, field)
            for text in HOSTILE_TEXT:
                variables = {arg: _value(spec.type, text) for arg, spec in field.args.items()}
                for arg in ("id", "claim", "slug"):
                    if arg in variables and real is not None:
                        variables[arg] = real if arg == "slug" or not real.isdigit() else int(real)
                response = client.client.post(
                    "/graphql",
                    json.dumps({"query": document, "variables": variables}),
                    content_type="application/json",
                )
                swept += 1
                where = f"{name} with {text[:12]!r}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                    continue
                codes = [
                    error.get("extensions", {}).get("code")
                    for error in response.json().get("errors") or []
                ]
                if "internal_error" in codes or None in codes:
                    failures.append(f"{where}: {response.json()['errors'][:2]}")
    assert swept > 200
    assert client.get("/api/v1/agencies/").status_code == 200  # still the same caller
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:100])
