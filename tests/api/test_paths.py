"""API paths answer with or without their trailing slash; an unknown one is a 404 problem.

Integrators drop slashes (`POST /api/v1/contacts`). Django's answer is a 301
redirect, which many clients follow by repeating the POST as a GET (the list
comes back and the write seems to have worked), and in debug a RuntimeError.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_a_write_without_the_trailing_slash_is_served_not_redirected(
    debug, make_agency, make_user, api
):
    agency = make_agency("bnpb-slash")
    editor = api(user=make_user(agency, "editor"))
    created = editor.post("/api/v1/media-collections", {"title": "Banjir Bandang"})
    assert created.status_code == 201, created.content
    collection = created.json()
    assert created["Location"].endswith(f"/api/v1/media-collections/{collection['id']}/")
    path = f"/api/v1/media-collections/{collection['id']}"
    changed = editor.patch(path, {"title": "Banjir Bandang 2026"})
    assert changed.status_code == 200 and changed.json()["title"] == "Banjir Bandang 2026"
    assert editor.get(path).json()["title"] == "Banjir Bandang 2026"
    assert editor.delete(path).status_code == 204
    assert_problem(editor.get(f"{path}/"), 404, "not_found")


def test_a_read_without_the_trailing_slash_answers_directly(debug, make_agency, api):
    make_agency("bmkg-slash")
    response = api().get("/api/v1/agencies?slug=bmkg-slash")
    assert response.status_code == 200, response.content[:300]
    assert [agency["slug"] for agency in response.json()["results"]] == ["bmkg-slash"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here/", "/api/v1/nothing-here", "/api/v1/claims/abc/", "/api/v2/agencies/"],
)
def test_an_unknown_api_path_is_a_404_problem_in_debug_too(debug, path):
    assert_problem(Client().get(path), 404, "not_found")
    assert_problem(Client().post(path, {"x": 1}), 404, "not_found")


def test_a_view_s_own_404_is_kept(debug, api):
    body = assert_problem(api().get("/api/v1/agencies/tidak-ada/"), 404, "not_found")
    assert body["instance"] == "/api/v1/agencies/tidak-ada/"


def test_paths_outside_the_api_keep_django_s_slash_redirect(settings):
    settings.DEBUG = False
    response = Client().get("/admin")
    assert response.status_code == 301 and response["Location"] == "/admin/"


@pytest.mark.parametrize("path", ["/feeds/clarifications.atom", "/.well-known/jwks.json", "/"])
def test_a_post_to_a_read_only_document_is_405_not_a_csrf_refusal(path):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(path)
    assert_problem(response, 405, "method_not_allowed")
