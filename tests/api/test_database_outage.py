"""PostgreSQL out of reach (restarting, failing over): 503 with Retry-After, then service again.

The hub's connection is pointed at a port nothing listens on, which is what a
request meets while the database restarts: connecting is refused.
"""

from __future__ import annotations

import contextlib
import socket

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def database_out_of_reach():
    saved = dict(connection.settings_dict)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and nothing listens once the probe closes
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _unavailable(response) -> dict:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "database_unavailable", body
    return body


def test_rest_answers_503_while_the_database_is_out_of_reach_and_recovers(make_agency, make_key):
    agency = make_agency("bnpb-uji")
    key = make_key(agency)
    client = Client(raise_request_exception=False)
    with database_out_of_reach():
        _unavailable(client.get("/api/v1/agencies/"))
        _unavailable(client.get("/api/v1/agencies/", HTTP_AUTHORIZATION=f"Bearer {key}"))
        _unavailable(client.get("/api/v1/agencies/", HTTP_ACCEPT_LANGUAGE="en"))
    again = client.get("/api/v1/agencies/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert again.status_code == 200
    assert [item["slug"] for item in again.json()["results"]] == ["bnpb-uji"]


def test_pages_outside_the_rest_api_answer_503_too(make_agency):
    make_agency("bmkg-uji")
    client = Client(raise_request_exception=False)
    with database_out_of_reach():
        _unavailable(client.get("/cap/feed.atom"))
        _unavailable(client.get("/api/v1/agencies/bmkg-uji/"))
    assert client.get("/cap/feed.atom").status_code == 200


def test_graphql_answers_503_with_a_typed_error_and_no_internal_details(make_agency):
    make_agency("bpbd-uji")
    client = Client(raise_request_exception=False)
    query = {"query": "{ agencies(first: 5) { edges { node { slug } } } }"}
    with database_out_of_reach():
        response = client.post("/graphql", query, content_type="application/json")
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "database_unavailable"
    # In the caller's language, as REST says it (Bahasa Indonesia unless asked otherwise).
    assert error["message"] == "Basis data sedang tidak dapat dihubungi. Coba lagi sebentar lagi."
    with database_out_of_reach():
        english = client.post(
            "/graphql", query, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )
    [error] = english.json()["errors"]
    assert error["message"] == "The database cannot be reached right now. Try again shortly."
    assert client.post("/graphql", query, content_type="application/json").status_code == 200


def test_a_compiled_graphql_list_answers_503_too():
    client = Client(raise_request_exception=False)
    query = {"query": "{ regions(first: 3) { edges { node { code } } } }"}  # answered from SQL
    assert client.post("/graphql", query, content_type="application/json").status_code == 200
    with database_out_of_reach():
        response = client.post("/graphql", query, content_type="application/json")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["database_unavailable"]


def test_a_list_the_read_lane_answers_is_503_too_and_comes_back(monkeypatch, make_agency, make_key):
    from tests.support.wsgi import WsgiCaller

    agency = make_agency("lajur-uji")
    caller = WsgiCaller(monkeypatch)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_key(agency)}"}
    path = "/api/v1/agencies/?q=lajur-&fields=slug"
    first = caller.get(path, **headers)
    assert first.status == 200 and caller.get(path, **headers).status == 200
    assert caller.full_cycles == 1  # the second read was answered by the lane

    with database_out_of_reach():
        down = caller.get(path, **headers)
    assert down.status == 503 and down.header("Retry-After")
    assert down.json()["code"] == "database_unavailable"
    assert caller.full_cycles == 2  # the lane handed it to the full cycle, which answered
    back = caller.get(path, **headers)
    assert (back.status, back.body) == (200, first.body)
