"""Every write endpoint: malformed, oversized, unauthorised and conflicting requests.

Each answers with the right status and a problem+json code, and writes nothing.
"""

import pytest

from tests.contacts.conftest import trail

pytestmark = pytest.mark.django_db


def endpoints(world):
    """(method, path, a valid body) for every write endpoint of the directory."""
    return [
        (
            "post",
            "/api/v1/offices/",
            {"agency": "bpbd-uji", "name": "X", "address": "Y", "region": "35.07"},
        ),
        ("patch", f"/api/v1/offices/{world.office.pk}/", {"name": "X"}),
        ("delete", f"/api/v1/offices/{world.office.pk}/", None),
        ("post", "/api/v1/posts/", {"agency": "bpbd-uji", "label": "X", "role": "other"}),
        ("patch", f"/api/v1/posts/{world.ppid.pk}/", {"label": "X"}),
        ("delete", f"/api/v1/posts/{world.dpo.pk}/", None),
        ("post", "/api/v1/persons/", {"agency": "bpbd-uji", "name": "X"}),
        ("patch", f"/api/v1/persons/{world.kalaksa.pk}/", {"name": "X"}),
        ("delete", f"/api/v1/persons/{world.kalaksa.pk}/", None),
        (
            "post",
            "/api/v1/contacts/",
            {"agency": "bpbd-uji", "channel": "voice", "value": "021 3456789"},
        ),
        ("patch", f"/api/v1/contacts/{world.hotline.pk}/", {"label": "X"}),
        ("delete", f"/api/v1/contacts/{world.hotline.pk}/", None),
        ("post", f"/api/v1/contacts/{world.hotline.pk}/verify/", None),
        ("post", "/api/v1/short-codes/", {"code": "164", "description": "X"}),
        ("delete", "/api/v1/short-codes/112/", None),
    ]


def call(client, method, path, body, **headers):
    if method == "delete":
        return client.delete(path, **headers)
    return getattr(client, method)(path, body, **headers)


def _problem(response, status, code):
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_anonymous_writes_need_authentication(api, world):
    before = trail()
    for method, path, body in endpoints(world):
        _problem(call(api(), method, path, body), 401, "not_authenticated")
    assert trail() == before


def test_other_agencies_may_not_write(api, world):
    before = trail()
    client = api(user=world.other_editor)
    for method, path, body in endpoints(world):
        response = call(client, method, path, body)
        if "short-codes" in path or path.endswith(("/offices/", "/posts/", "/contacts/")):
            _problem(response, 403, "permission_denied")
        elif "/persons/" in path:
            # The person has not consented: to others they do not exist.
            expected = (
                (403, "permission_denied") if path.endswith("/persons/") else (404, "not_found")
            )
            _problem(response, *expected)
        else:
            _problem(response, 403, "permission_denied")
    assert trail() == before


def test_viewers_may_not_write(api, world):
    before = trail()
    client = api(user=world.bpbd_viewer)
    for method, path, body in endpoints(world):
        _problem(call(client, method, path, body), 403, "permission_denied")
    assert trail() == before


def test_malformed_and_oversized_bodies(api, world, settings):
    client = api(user=world.bpbd_editor)
    before = trail()
    for method, path, body in endpoints(world):
        if body is None:
            continue
        response = getattr(client.client, method)(
            path, data=b'{"name": ', content_type="application/json"
        )
        _problem(response, 400, "malformed_request")
        wrong = getattr(client.client, method)(
            path, data=b'"text"', content_type="application/json"
        )
        assert wrong.status_code == 400, (path, wrong.content)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    for method, path, body in endpoints(world):
        if body is None:
            continue
        _problem(call(client, method, path, {**body, "note": "x" * 500}), 413, "payload_too_large")
    assert trail() == before


def test_stale_representations_conflict(api, world):
    client = api(user=world.bpbd_editor)
    before = trail()
    for method, path, body in endpoints(world):
        if method not in ("patch", "delete") or "short-codes" in path:
            continue
        _problem(
            call(client, method, path, body, HTTP_IF_MATCH='"stale"'), 412, "precondition_failed"
        )
    assert trail() == before


def test_unknown_ids_and_agencies(api, world):
    client = api(user=world.bpbd_editor)
    for path in ("/api/v1/offices/", "/api/v1/posts/", "/api/v1/persons/", "/api/v1/contacts/"):
        _problem(client.patch(f"{path}99999999/", {"name": "x"}), 404, "not_found")
        _problem(client.patch(f"{path}abc/", {"name": "x"}), 404, "not_found")
        _problem(client.post(path, {"agency": "tidak-ada"}), 400, "validation_failed")
    _problem(client.get("/api/v1/directory/tidak-ada/"), 404, "not_found")
    _problem(client.get("/api/v1/contacts/?limit=0"), 400, "validation_failed")
    _problem(client.get("/api/v1/contacts/?purpose=gossip"), 400, "validation_failed")
    _problem(client.get("/api/v1/contacts/?fields=secret"), 400, "validation_failed")
    put = client.client.put(
        f"/api/v1/contacts/{world.hotline.pk}/", data=b"{}", content_type="application/json"
    )
    _problem(put, 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/contacts/?stale=yes", "stale"),
        ("/api/v1/contacts/?personal=maybe", "personal"),
        ("/api/v1/contacts/?current=ya", "current"),
        ("/api/v1/contacts/?office=1.5", "office"),
        ("/api/v1/persons/?consented=maybe", "consented"),
        ("/api/v1/regions/?level=2.5", "level"),
    ],
)
def test_a_filter_value_that_does_not_fit_is_refused_not_ignored(api, world, path, name):
    response = api(user=world.bpbd_editor).get(path)
    assert response.status_code == 400, response.content
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        (name, "invalid_filter")
    ]


def test_true_false_and_whole_numbers_still_filter(api, world):
    client = api(user=world.bpbd_editor)
    personal = client.get("/api/v1/contacts/?personal=true&agency=bpbd-uji").json()["results"]
    assert [c["id"] for c in personal] == [world.personal.pk]
    at_office = client.get(f"/api/v1/contacts/?office={world.office.pk}").json()["results"]
    assert at_office and all(c["office"] == world.office.pk for c in at_office)
    gql = client.gql(
        "query($o: Int) { contacts(office: $o, first: 50) { edges { node { databaseId } } } }",
        {"o": world.office.pk},
    )
    assert len(gql["data"]["contacts"]["edges"]) == len(at_office)
