"""Browser apps on other origins (an agency's site, a fact-check widget) may call the hub.

Cross-origin answers never carry the hub's cookies (no credentials): a page on
another origin can read what its own credential (or none) may read, nothing
of a staff member's session. The hub's own pages (admin, sign-in) stay
same-origin.
"""

from __future__ import annotations

import pytest

from tests.support.wsgi import WsgiCaller

pytestmark = pytest.mark.django_db

SITE = "https://bpbd.jatimprov.go.id"


def _headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.items()}


def test_a_page_on_another_origin_reads_the_api_and_its_headers(client):
    response = client.get("/api/v1/regions/?limit=2", HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    headers = _headers(response)
    assert headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers
    exposed = {name.strip().lower() for name in headers["access-control-expose-headers"].split(",")}
    assert {"etag", "location", "retry-after", "upload-offset", "x-request-id"} <= exposed


@pytest.mark.parametrize(
    "path", ["/graphql", "/.well-known/jwks.json", "/cap/feed.atom", "/feeds/clarifications.atom"]
)
def test_graphql_and_the_public_documents_are_open_to_other_origins(client, path):
    response = client.get(path, HTTP_ORIGIN=SITE)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_what_the_api_and_tus_need(client, make_agency, make_user):
    preflight = client.options(
        "/api/v1/media/uploads/",
        HTTP_ORIGIN=SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=(
            "authorization, content-type, tus-resumable, upload-offset, upload-checksum, if-match"
        ),
    )
    assert preflight.status_code == 200
    headers = _headers(preflight)
    assert headers["access-control-allow-origin"] == "*"
    assert "PATCH" in headers["access-control-allow-methods"]
    allowed = {name.strip() for name in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "tus-resumable", "upload-offset", "upload-checksum"} <= allowed
    assert int(headers["access-control-max-age"]) > 0
    # The tus discovery itself (an OPTIONS without a preflight's headers) still answers.
    client.force_login(make_user(make_agency("bpbd-jatim"), "editor"))
    discovery = client.options("/api/v1/media/uploads/", HTTP_ORIGIN=SITE)
    assert discovery.status_code == 204 and discovery["Tus-Version"] == "1.0.0"


@pytest.mark.parametrize("path", ["/admin/login/", "/oidc/login", "/healthz"])
def test_the_hubs_own_pages_stay_same_origin(client, path):
    response = client.get(path, HTTP_ORIGIN=SITE)
    assert "Access-Control-Allow-Origin" not in response


def test_origins_can_be_limited_to_a_list(client, settings):
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = [SITE]
    allowed = client.get("/api/v1/regions/?limit=1", HTTP_ORIGIN=SITE)
    assert allowed["Access-Control-Allow-Origin"] == SITE
    other = client.get("/api/v1/regions/?limit=1", HTTP_ORIGIN="https://contoh.example")
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other


def test_the_read_lane_answers_each_origin_as_the_full_cycle_does(monkeypatch):
    """The lane replays recorded headers: a request from an origin is not one without."""
    caller = WsgiCaller(monkeypatch)
    path = "/api/v1/regions/?parent=35&limit=3"
    plain = [caller.get(path) for _ in range(2)]
    cross = [caller.get(path, HTTP_ORIGIN=SITE) for _ in range(2)]
    for answer in plain:
        assert answer.header("Access-Control-Allow-Origin") is None
    for answer in cross:
        assert answer.header("Access-Control-Allow-Origin") == "*"
    assert cross[0].body == plain[0].body
    # The second request of each kind was answered by the lane.
    assert caller.full_cycles == 2
