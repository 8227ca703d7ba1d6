"""Staff signed in through the web call REST and GraphQL with their session and its CSRF token.

The test client enforces CSRF here as a browser's requests meet it: reads
pass, writes carry the ``X-CSRFToken`` header (GraphiQL sends it), and a write
without it answers 403 ``csrf_failed`` in both APIs.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ME = "{ me { kind agencies { slug roles } } }"
CLAIM = {"text": "Beredar pesan berantai: tanggul jebol malam ini", "summary": "Tanggul jebol"}
CREATE_CLAIM = (
    "mutation($input: ClaimInput!) { claimCreate(input: $input) { errors { code field } } }"
)


@pytest.fixture
def browser(make_agency, make_user):
    """A signed-in editor's browser, holding the CSRF cookie an admin page set."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(make_agency("bpbd-sesi"), "editor"))
    assert client.get("/admin/").status_code == 200
    return client


def _token(browser: Client) -> str:
    return browser.cookies["csrftoken"].value


@pytest.mark.parametrize("content_type", ["application/json", "application/graphql"])
def test_graphql_answers_a_signed_in_browser(browser, content_type):
    body = json.dumps({"query": ME}) if content_type == "application/json" else ME
    answer = browser.post(
        "/graphql", body, content_type=content_type, HTTP_X_CSRFTOKEN=_token(browser)
    )
    assert answer.status_code == 200, answer.content
    me = answer.json()["data"]["me"]
    assert me["kind"] == "user" and [a["slug"] for a in me["agencies"]] == ["bpbd-sesi"]


def test_a_graphql_mutation_needs_the_token(browser):
    body = json.dumps({"query": CREATE_CLAIM, "variables": {"input": CLAIM}})
    refused = browser.post("/graphql", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "csrf_failed"
    done = browser.post(
        "/graphql", body, content_type="application/json", HTTP_X_CSRFTOKEN=_token(browser)
    )
    assert done.status_code == 200 and done.json()["data"]["claimCreate"]["errors"] == []


def test_a_rest_write_needs_the_token(browser):
    claim = {**CLAIM, "agency": "bpbd-sesi"}
    refused = browser.post("/api/v1/claims/", claim, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert "CSRF" in refused.json()["detail"]
    assert browser.get("/api/v1/claims/").status_code == 200  # reads need no token
    done = browser.post(
        "/api/v1/claims/", claim, content_type="application/json", HTTP_X_CSRFTOKEN=_token(browser)
    )
    assert done.status_code == 201, done.content
