"""Staff sign-in with Keycloak: a scripted authorization code flow with PKCE.

The browser is a requests session that follows Keycloak's real login form; the hub
side is Django's test client. The person is provisioned by the hub (invited), then
"accepts the invitation" (a password set through the admin API), then signs in.
"""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client

from agencies import policy
from agencies.models import StaffIdentity
from hub.models import AuditEntry
from tests.conftest import PLATFORM
from tests.identity.conftest import unique

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


def _like_a_browser(session: requests.Session) -> None:
    """Browsers send Secure cookies to loopback; requests does not unless told."""
    for cookie in session.cookies:
        cookie.secure = False


def accept_invitation(keycloak, user) -> str:
    """What the invited person does from the e-mail: set a password, verify the address."""
    password = f"Pw-{uuid.uuid4().hex}"
    subject = StaffIdentity.objects.get(user=user).subject
    kc = keycloak.admin()
    kc.set_user_password(subject, password, temporary=False)
    kc.update_user(subject, {"requiredActions": [], "emailVerified": True})
    return password


def sign_in_at_keycloak(location: str, username: str, password: str) -> tuple:
    """Follow Keycloak's login form; returns (browser, the redirect back to the hub)."""
    browser = requests.Session()
    page = browser.get(location, allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.text[:300]
    _like_a_browser(browser)
    action = html.unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    done = browser.post(
        action,
        data={"username": username, "password": password, "credentialId": ""},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302, done.text[:500]
    _like_a_browser(browser)
    return browser, done.headers["Location"]


def local(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


def test_staff_sign_in_gives_a_session_for_the_hub_memberships_only(
    keycloak, jobs, make_agency, make_person, settings
):
    agency = make_agency(unique("masuk"))
    other = make_agency(unique("bukan"))
    person = make_person(agency, "editor")
    jobs.run()
    password = accept_invitation(keycloak, person)
    # Keycloak also claims the person works at another agency: the hub never said so.
    kc = keycloak.admin()
    subject = StaffIdentity.objects.get(user=person).subject
    other_editor = kc.get_group_by_path(f"/agencies/{other.slug}/editor")["id"]
    kc.group_user_add(subject, other_editor)

    hub = Client()
    start = hub.get("/oidc/login?next=/api/v1/memberships/")
    assert start.status_code == 302
    location = start["Location"]
    assert location.startswith(f"{keycloak.issuer}/protocol/openid-connect/auth?")
    params = parse_qs(urlparse(location).query)
    assert params["code_challenge_method"] == ["S256"] and params["client_id"] == ["simpul-portal"]
    assert params["redirect_uri"] == [f"{settings.HUB_PUBLIC_URL}/oidc/callback"]
    assert params["state"][0] and params["nonce"][0]

    _, back = sign_in_at_keycloak(location, person.username, password)
    assert back.startswith(f"{settings.HUB_PUBLIC_URL}/oidc/callback?")
    done = hub.get(local(back))
    assert done.status_code == 302 and done["Location"] == "/api/v1/memberships/"
    assert hub.session["_auth_user_id"] == str(person.pk)

    principal = policy.principal_for_user(person)
    assert principal.roles == {agency.pk: frozenset({"editor"})}
    listed = hub.get("/api/v1/memberships/").json()["results"]
    assert {(row["agency"], row["role"]) for row in listed} == {(agency.slug, "editor")}
    assert hub.get(f"/api/v1/memberships/?agency={other.slug}").json()["results"] == []

    login = AuditEntry.objects.filter(action="auth.login").latest("id")
    assert login.after["method"] == "oidc" and login.after["subject"] == subject
    assert login.after["drift"]["only_in_keycloak"] == [f"/agencies/{other.slug}/editor"]
    # The drift is repaired towards the hub.
    jobs.run()
    assert person.username not in {u["username"] for u in kc.get_group_members(other_editor)}


def test_sign_out_ends_the_keycloak_session_too(keycloak, jobs, make_agency, make_person):
    agency = make_agency(unique("keluar"))
    person = make_person(agency, "viewer")
    jobs.run()
    password = accept_invitation(keycloak, person)
    hub = Client()
    browser, back = sign_in_at_keycloak(
        hub.get("/oidc/login")["Location"], person.username, password
    )
    assert hub.get(local(back)).status_code == 302
    subject = StaffIdentity.objects.get(user=person).subject
    kc = keycloak.admin()
    assert kc.get_sessions(subject)

    out = hub.post("/admin/logout/")
    assert out.status_code == 302
    end = out["Location"]
    assert end.startswith(f"{keycloak.issuer}/protocol/openid-connect/logout?")
    assert parse_qs(urlparse(end).query)["id_token_hint"]
    assert "_auth_user_id" not in hub.session
    assert hub.get("/api/v1/memberships/").status_code == 401
    finished = browser.get(end, allow_redirects=False, timeout=30)
    assert finished.status_code == 302
    assert finished.headers["Location"].endswith("/admin/login/")
    assert kc.get_sessions(subject) == []
    # A new sign-in needs the password again.
    again = browser.get(hub.get("/oidc/login")["Location"], allow_redirects=False, timeout=30)
    assert again.status_code == 200 and 'name="password"' in again.text


def test_forged_or_replayed_callbacks_are_refused(keycloak, jobs, make_agency, make_person):
    agency = make_agency(unique("palsu"))
    person = make_person(agency, "editor")
    jobs.run()
    password = accept_invitation(keycloak, person)
    attacker = Client()
    victim = Client()
    _, back = sign_in_at_keycloak(victim.get("/oidc/login")["Location"], person.username, password)
    # Another browser cannot use the callback: it never started this login (no state).
    refused = attacker.get(local(back))
    assert refused.status_code == 400 and b"state_mismatch" in refused.content
    assert "_auth_user_id" not in attacker.session
    # The rightful browser can, once.
    assert victim.get(local(back)).status_code == 302
    replay = victim.get(local(back))
    assert replay.status_code == 400
    reasons = AuditEntry.objects.filter(action="auth.failure").values_list("after", flat=True)
    assert [r["reason"] for r in reasons if r["method"] == "oidc"] == [
        "state_mismatch",
        "state_mismatch",
    ]


def test_a_keycloak_account_without_a_hub_user_gets_no_session(keycloak):
    kc = keycloak.admin()
    username = unique("asing")
    password = f"Pw-{uuid.uuid4().hex}"
    subject = kc.create_user(
        {
            "username": username,
            "email": f"{username}@example.go.id",
            "firstName": "Orang",
            "lastName": "Asing",
            "enabled": True,
            "emailVerified": True,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        }
    )
    try:
        hub = Client()
        _, back = sign_in_at_keycloak(hub.get("/oidc/login")["Location"], username, password)
        refused = hub.get(local(back))
        assert refused.status_code == 403 and b"unknown_person" in refused.content
        assert "_auth_user_id" not in hub.session
        assert not StaffIdentity.objects.filter(subject=subject).exists()
    finally:
        kc.delete_user(subject)


def test_an_existing_user_is_linked_by_verified_email_at_first_sign_in(
    keycloak, make_user, make_agency
):
    user = make_user(make_agency(unique("lama")), "viewer")
    kc = keycloak.admin()
    username = unique("lama")
    password = f"Pw-{uuid.uuid4().hex}"
    subject = kc.create_user(
        {
            "username": username,
            "email": user.email,
            "firstName": "Pegawai",
            "lastName": "Lama",
            "enabled": True,
            "emailVerified": True,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        }
    )
    try:
        hub = Client()
        _, back = sign_in_at_keycloak(hub.get("/oidc/login")["Location"], username, password)
        assert hub.get(local(back)).status_code == 302
        assert hub.session["_auth_user_id"] == str(user.pk)
        assert StaffIdentity.objects.get(user=user).subject == subject
    finally:
        kc.delete_user(subject)


def test_admin_login_offers_sso_only_with_keycloak(keycloak, settings):
    page = Client().get("/admin/login/")
    assert "Masuk dengan SSO" in page.content.decode()
    settings.KEYCLOAK_URL = ""
    page = Client().get("/admin/login/")
    assert page.status_code == 200 and "Masuk dengan SSO" not in page.content.decode()
    assert Client().get("/oidc/login").status_code == 404


def test_sso_refuses_whom_the_password_form_refuses(keycloak, make_user, make_agency):
    """No role in an active agency, or a disabled hub account: a clear page and no session."""
    from agencies.services import agency_update

    kc = keycloak.admin()
    agency = make_agency(unique("tangguh"))
    people = {
        "no_agency": make_user(),
        "suspended": make_user(agency, "agency_admin"),
        "account_disabled": make_user(agency, "editor"),
    }
    agency_update(principal=PLATFORM, agency=agency, data={"status": "suspended"})
    people["account_disabled"].is_active = False
    people["account_disabled"].save()
    subjects = []
    try:
        for case, user in people.items():
            password = f"Pw-{uuid.uuid4().hex}"
            subject = kc.create_user(
                {"username": unique("sso"), "email": user.email, "enabled": True,
                 "emailVerified": True, "firstName": "Staf", "lastName": "Uji",
                 "credentials": [{"type": "password", "value": password, "temporary": False}]}
            )  # fmt: skip
            subjects.append(subject)
            if case == "account_disabled":
                StaffIdentity.objects.create(user=user, subject=subject)
            hub = Client()
            account = kc.get_user(subject)["username"]
            _, back = sign_in_at_keycloak(hub.get("/oidc/login")["Location"], account, password)
            refused = hub.get(local(back))
            code = "no_agency" if case == "suspended" else case
            assert refused.status_code == 403, case
            assert f"<code>{code}</code>".encode() in refused.content, case
            assert "_auth_user_id" not in hub.session, case
            assert hub.get("/api/v1/me").json()["kind"] == "anonymous", case
    finally:
        for subject in subjects:
            kc.delete_user(subject)
