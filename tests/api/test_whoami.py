"""`GET /api/v1/me` and GraphQL `me`: who the hub takes the caller for."""

from __future__ import annotations

import pytest

from agencies.models import Membership

pytestmark = pytest.mark.django_db

ME = "{ me { kind label platformAdmin scopes agencies { slug name roles } } }"


def test_a_system_sees_its_agency_and_scopes(api, make_agency, make_key):
    agency = make_agency("bpbd-jatim", name="BPBD Provinsi Jawa Timur")
    make_agency("bmkg")
    key = make_key(agency, "media:write", "content:read")
    me = api(key=key).get("/api/v1/me").json()
    assert me == {
        "kind": "system",
        "label": f"system:key:{key.split('_')[1]}",
        "platform_admin": False,
        "scopes": ["content:read", "media:write"],
        "agencies": [{"slug": "bpbd-jatim", "name": "BPBD Provinsi Jawa Timur", "roles": None}],
    }
    graphql = api(key=key).gql(ME)["data"]["me"]
    assert graphql["scopes"] == me["scopes"] and graphql["agencies"][0]["roles"] is None


def test_a_person_sees_each_agency_with_their_roles(api, make_agency, make_user):
    first, second = make_agency("kominfo-jatim"), make_agency("bpbd-malang")
    person = make_user(first, "editor", "verifier")
    Membership.objects.create(user=person, agency=second, role="viewer")
    me = api(user=person).gql(ME)["data"]["me"]
    assert me["kind"] == "user" and me["scopes"] is None and me["platformAdmin"] is False
    assert [(a["slug"], a["roles"]) for a in me["agencies"]] == [
        ("bpbd-malang", ["viewer"]),
        ("kominfo-jatim", ["editor", "verifier"]),
    ]
    assert api(user=person).get("/api/v1/me").json()["agencies"][1]["roles"] == [
        "editor",
        "verifier",
    ]


def test_without_a_credential_the_caller_is_anonymous_and_a_wrong_one_is_refused(api):
    assert api().get("/api/v1/me").json() == {
        "kind": "anonymous",
        "label": "anonymous",
        "platform_admin": False,
        "scopes": None,
        "agencies": [],
    }
    refused = api(key="smpl_00000000_bukan-kunci-yang-benar-sama-sekali").get("/api/v1/me")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
