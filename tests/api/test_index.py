"""Where a caller starts: the API index (`GET /api/v1/`) and the front page (`GET /`)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from hub.demo import demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.HUB_STORAGE = "local"
    settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
    demo_load()


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_link_of_the_index_answers(demo, api, make_user):
    index = api().get("/api/v1/")
    assert index.status_code == 200 and index["Content-Type"] == "application/json"
    body = index.json()
    assert body["name"] == "Simpul" and body["api_version"] == "v1"
    # Every resource list of the API, and nothing that cannot be listed.
    assert {"regions", "agencies", "media", "media_collections", "claims", "clarifications"} <= set(
        body["resources"]
    )
    assert {"bulletins", "offices", "persons", "contacts", "api_keys", "me"} <= set(
        body["resources"]
    )
    assert "media_uploads" not in body["resources"]  # created (tus), never listed
    admin = api(user=make_user(superuser=True))
    for name, url in body["resources"].items():
        assert admin.get(_path(url)).status_code == 200, name
    for name, url in body["documents"].items():
        answer = admin.get(_path(url), HTTP_ACCEPT="text/html" if name == "graphql" else "*/*")
        assert answer.status_code == 200, (name, answer.status_code)
    filled = {"agency": "bnpb", "region": "35", "url": "https://contoh.go.id/x", "words": "banjir"}
    for name, template in body["templates"].items():
        url = template.format(**filled)
        assert admin.get(_path(url)).status_code in (200, 404), name  # 404: no claim at that url
    assert admin.get(_path(body["templates"]["directory"].format(agency="bnpb"))).status_code == 200


def test_the_index_is_a_resource_like_any_other(api, make_user):
    first = api().get("/api/v1/")
    assert api().get("/api/v1/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    refused = api(user=make_user(superuser=True)).post("/api/v1/", {})
    assert refused.status_code == 405 and refused["Content-Type"] == "application/problem+json"
    assert api(key="smpl_nope_nope").get("/api/v1/").json()["code"] == "invalid_api_key"


# What a browser sends when a person follows a link.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.hrefs.append(attributes["href"])
        if tag == "html":
            self.lang = attributes.get("lang")


def test_the_front_page_speaks_indonesian_and_every_link_on_it_works(demo):
    client = Client()
    page = client.get("/")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    links = _Links()
    links.feed(page.content.decode())
    assert links.lang == "id"
    assert "Administrasi" in page.content.decode()
    assert {"/api/v1/", "/api/docs/", "/graphql", "/admin/", "/cap/feed.atom"} <= set(links.hrefs)
    for href in links.hrefs:
        answer = client.get(href, HTTP_ACCEPT=BROWSER_ACCEPT, follow=True)
        assert answer.status_code == 200, (href, answer.status_code)
