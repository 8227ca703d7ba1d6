"""One access-log line per request, through the production WSGI application (hub.wsgi)."""

from __future__ import annotations

import logging
import re

import pytest

from agencies.models import ApiKey
from hub.access_log import AccessLog
from tests.support.wsgi import WsgiCaller

LINE = re.compile(
    r"^(?P<method>\S+) (?P<target>\S+) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms "
    r"ip=(?P<ip>\S+) caller=(?P<caller>\S+) rid=(?P<rid>\S+)$"
)


def _lines(caplog) -> list[dict]:
    return [
        LINE.match(record.getMessage()).groupdict()
        for record in caplog.records
        if record.name == "hub.access"
    ]


def _logged(caplog, status: str, **environ: str) -> dict:
    """The one access-log line of a request answered `status` by a bare application."""

    def application(environ, start_response):
        start_response(status, [])
        return [b""]

    caplog.set_level(logging.INFO, logger="hub.access")
    AccessLog(application)(environ, lambda status, headers, exc_info=None: None)
    (line,) = _lines(caplog)
    return line


def test_the_line_names_the_request_the_answer_and_the_caller(caplog):
    line = _logged(
        caplog,
        "404 Not Found",
        REQUEST_METHOD="GET",
        # WSGI gives the path's UTF-8 bytes as latin-1 text.
        PATH_INFO="/api/v1/search/kota batu é/".encode().decode("latin-1"),
        QUERY_STRING="limit=2&name=Malang",
        REMOTE_ADDR="203.0.113.7",
    )
    assert line["method"] == "GET"
    assert line["target"] == "/api/v1/search/kota%20batu%20é/?limit=2&name=Malang"
    assert (line["status"], line["ip"], line["caller"], line["rid"]) == (
        "404",
        "203.0.113.7",
        "anonymous",
        "-",
    )


def test_values_that_may_be_secrets_are_left_out(caplog):
    line = _logged(
        caplog,
        "302 Found",
        REQUEST_METHOD="GET",
        PATH_INFO="/oidc/login",
        QUERY_STRING="code=s3cr3t&state=xyz&next=/admin/",
    )
    assert "s3cr3t" not in line["target"] and "xyz" not in line["target"]
    assert "next=%2Fadmin%2F" in line["target"]


@pytest.mark.django_db
def test_every_request_through_the_hub_is_logged_with_its_request_id(
    monkeypatch, caplog, make_agency, make_key
):
    caller = WsgiCaller(monkeypatch)
    key = make_key(make_agency("bpbd-jatim"), "content:read")
    caplog.set_level(logging.INFO, logger="hub.access")
    for rid in ("cek-1", "cek-2"):  # the second from the read lane
        answer = caller.get(
            "/api/v1/agencies/?limit=1", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_REQUEST_ID=rid
        )
        assert answer.status == 200
    assert caller.full_cycles == 1
    refused = caller.get("/api/v1/agencies/", HTTP_AUTHORIZATION="Bearer smpl_nope")
    assert refused.status == 401
    # Static files are answered before the API's layers, with a request id all the same.
    static = caller.get("/static/admin/css/base.css", HTTP_X_REQUEST_ID="cek-static")
    assert static.status == 200 and static.header("X-Request-ID") == "cek-static"
    lines = _lines(caplog)
    assert [(line["status"], line["rid"]) for line in lines] == [
        ("200", "cek-1"),
        ("200", "cek-2"),
        ("401", refused.header("X-Request-ID")),
        ("200", "cek-static"),
    ]
    label = f"system:key:{ApiKey.objects.get().prefix}"
    assert [line["caller"] for line in lines] == [label, label, "anonymous", "anonymous"]
    assert key not in caplog.text


@pytest.mark.django_db
def test_an_admin_page_names_the_person_who_opened_it(monkeypatch, caplog, make_agency, make_user):
    from django.test import Client

    person = make_user(make_agency("bpbd-admin-log"), "agency_admin")
    browser = Client()
    browser.force_login(person)
    session = browser.cookies["sessionid"].value
    caplog.set_level(logging.INFO, logger="hub.access")
    page = WsgiCaller(monkeypatch).get("/admin/", HTTP_COOKIE=f"sessionid={session}")
    assert page.status == 200
    (line,) = _lines(caplog)
    assert line["caller"] == f"user:{person.pk}"
