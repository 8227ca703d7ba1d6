"""The plain Django views outside REST and GraphQL refuse in the same vocabulary.

File delivery, the JWKS, feeds and CAP documents, and sign-in and sign-out
are plain views guarded by Django's method decorators and CSRF check, whose
own refusals are an empty 405 and an HTML 403 page.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.problems import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("get", "/oidc/logout", "POST"),
        ("post", "/oidc/login", "GET"),
        ("post", "/.well-known/jwks.json", "GET, HEAD"),
        ("post", "/", "GET, HEAD"),
        ("delete", "/cap/feed.atom", "GET, HEAD"),
        ("put", "/media/p/1/web.webp", "GET, HEAD"),
        ("post", "/media/s/some-token", "GET, HEAD"),
    ],
)
def test_a_method_a_plain_view_does_not_take_answers_405_problem_json(method, path, allowed):
    response = getattr(Client(), method)(path)
    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == allowed


def test_the_refusal_speaks_the_callers_language():
    response = Client().get("/oidc/logout", HTTP_ACCEPT_LANGUAGE="en")
    assert assert_problem(response, 405, "method_not_allowed")["detail"] == "Method not allowed."
    assert response["Content-Language"] == "en"


def test_a_sign_out_without_its_csrf_token_answers_403_problem_json(make_user, make_agency):
    user = make_user(make_agency("bnpb-uji"), "viewer")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    body = assert_problem(browser.post("/oidc/logout"), 403, "csrf_failed")
    assert "CSRF" in body["detail"]
    assert "_auth_user_id" in browser.session  # still signed in

    # With the token the form carries, the sign-out goes through.
    browser.get("/admin/")  # sets the CSRF cookie: every admin page carries the sign-out form
    token = browser.cookies["csrftoken"].value
    signed_out = browser.post("/oidc/logout", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302
    assert "_auth_user_id" not in browser.session


def test_a_persons_browser_gets_a_page_for_a_stale_admin_form_not_json(make_user, make_agency):
    person = make_user(make_agency("bnpb-halaman"), "agency_admin")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    page = browser.post(
        "/admin/agencies/apikey/add/", {"name": "Situs"}, HTTP_ACCEPT="text/html,*/*;q=0.8"
    )
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    assert b"csrf_failed" in page.content and b"token CSRF" in page.content
    assert b'href="/admin/"' in page.content
    # A page that is not theirs (the user list is the platform admins'), as a page too.
    users = browser.get("/admin/auth/user/", HTTP_ACCEPT="text/html")
    assert users.status_code == 403 and users["Content-Type"].startswith("text/html")
    # Programs asking for JSON, and every API path, keep the problem document.
    program = browser.post("/admin/agencies/apikey/add/", {"name": "Situs"})
    assert_problem(program, 403, "csrf_failed")
    api = browser.post("/api/v1/api-keys/", {"name": "x"})
    assert_problem(api, 403, "csrf_failed")
