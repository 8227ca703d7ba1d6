"""Facts over REST and GraphQL: workflow actions, the policy, tombstones, exports (JSON-LD,
Atom, CAP, JWKS), verification, REST/GraphQL parity and constant query counts."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from hub.cap.xml import validate
from hub.facts.models import Bulletin, ClarificationVersion
from tests.facts.conftest import bulletin_data, clarification_data

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def camel(data: dict) -> dict:
    """GraphQL spells input fields in camelCase."""
    return {
        name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:]): value
        for name, value in data.items()
    }


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code, body
    return body


def test_rest_workflow_with_four_eyes(api, desk, make_claim):
    claim = make_claim()
    author = api(user=desk.editor_verifier)
    created = author.post("/api/v1/clarifications/", clarification_data(claim.pk))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["version"] == 1 and body["working_version"] == 1
    assert body["headline"] == "[HOAKS] Pesan bantuan tunai Rp 5 juta untuk pemilik KTP"
    base = f"/api/v1/clarifications/{body['id']}"
    _problem(author.post(f"{base}/approve/"), 409, "invalid_transition")
    assert author.post(f"{base}/submit/").json()["status"] == "in_review"
    _problem(author.post(f"{base}/approve/"), 403, "four_eyes_required")
    _problem(api(user=desk.editor).post(f"{base}/approve/"), 403, "permission_denied")
    verifier = api(user=desk.verifier)
    rejected = verifier.post(f"{base}/reject/", {"note": "Tambahkan sumber."})
    assert rejected.json()["status"] == "draft"
    author.post(f"{base}/submit/")
    assert verifier.post(f"{base}/approve/").json()["status"] == "approved"
    published = verifier.post(f"{base}/publish/").json()
    assert published["status"] == "published" and published["working_version"] is None
    assert published["document_url"].endswith(f"{base}/versions/1/")


def test_published_content_cannot_change_in_place_rest_or_graphql(api, desk, make_clarification):
    item = make_clarification()
    editor = api(user=desk.editor)
    _problem(
        editor.patch(f"/api/v1/clarifications/{item.pk}/", {"body": "Isi baru."}),
        409,
        "published_immutable",
    )
    _problem(
        editor.patch(f"/api/v1/clarifications/{item.pk}/", {"verdict": "fakta"}),
        409,
        "published_immutable",
    )
    result = editor.gql(
        """mutation($id: Int!) {
            clarificationUpdate(id: $id, input: {verdict: "fakta", body: "Isi baru."}) {
                clarification { databaseId } errors { field code message }
            }
        }""",
        {"id": item.pk},
    )
    payload = result["data"]["clarificationUpdate"]
    assert payload["clarification"] is None
    assert payload["errors"][0]["code"] == "published_immutable"
    version = ClarificationVersion.objects.get(pk=item.head_id)
    assert version.verdict_id == "hoaks" and version.body == item.head.body
    assert version.signature == item.head.signature
    republish = api(user=desk.verifier).gql(
        f"mutation {{ clarificationPublish(id: {item.pk}) {{ errors {{ code }} }} }}"
    )
    assert republish["data"]["clarificationPublish"]["errors"][0]["code"] == ("invalid_transition")


def test_correction_over_rest_and_graphql(api, desk, make_clarification):
    item = make_clarification()
    editor, verifier = api(user=desk.editor), api(user=desk.verifier)
    base = f"/api/v1/clarifications/{item.pk}"
    response = editor.post(f"{base}/correct/", {"changes": {"title": "Judul yang dikoreksi"}})
    body = _problem(response, 400, "validation_failed")
    assert body["errors"][0]["code"] == "correction_note_required"
    response = editor.post(
        f"{base}/correct/",
        {"correction_note": "Judul diperjelas.", "changes": {"title": "Judul yang dikoreksi"}},
    )
    assert response.json()["working_version"] == 2 and response.json()["version"] == 1
    # Readers (even anonymous ones) keep getting version 1 meanwhile.
    assert api().get(f"{base}/").json()["title"] == item.head.title
    versions = api().get(f"{base}/versions/").json()["results"]
    assert [v["number"] for v in versions] == [1]
    own = editor.get(f"{base}/versions/").json()["results"]
    assert [(v["number"], v["state"]) for v in own] == [(1, "published"), (2, "draft")]
    gql = editor.gql(
        "mutation($id: Int!) { clarificationSubmit(id: $id) { clarification { workingVersion } "
        "errors { code } } }",
        {"id": item.pk},
    )
    assert gql["data"]["clarificationSubmit"]["errors"] == []
    verifier.post(f"{base}/approve/")
    published = verifier.post(f"{base}/publish/").json()
    assert published["status"] == "corrected" and published["version"] == 2
    assert published["correction_note"] == "Judul diperjelas."
    old = api().get(f"{base}/versions/1/").json()
    assert old["title"] == item.head.title and old["version"] == 1 and old["signature"]


def test_visibility_follows_the_policy(api, desk, make_agency, make_user, make_clarification):
    draft = make_clarification(until="draft")
    internal = make_clarification(is_public=False)
    public = make_clarification()
    outsider = api(user=make_user(make_agency(), "viewer"))
    _problem(api().get(f"/api/v1/clarifications/{draft.pk}/"), 404, "not_found")
    _problem(outsider.get(f"/api/v1/clarifications/{draft.pk}/"), 404, "not_found")
    assert api(user=desk.viewer).get(f"/api/v1/clarifications/{draft.pk}/").status_code == 200
    _problem(api().get(f"/api/v1/clarifications/{internal.pk}/"), 404, "not_found")
    assert outsider.get(f"/api/v1/clarifications/{internal.pk}/").status_code == 200
    assert api().get(f"/api/v1/clarifications/{public.pk}/").status_code == 200
    anonymous_ids = {row["id"] for row in api().get("/api/v1/clarifications/").json()["results"]}
    assert public.pk in anonymous_ids and not anonymous_ids & {draft.pk, internal.pk}
    _problem(outsider.post(f"/api/v1/clarifications/{draft.pk}/submit/"), 404, "not_found")
    _problem(api().post("/api/v1/clarifications/", {}), 401, "not_authenticated")


def test_systems_write_with_facts_scope(api, desk, make_key, make_claim):
    claim = make_claim()
    reader = api(key=make_key(desk.agency, "content:read"))
    _problem(
        reader.post("/api/v1/clarifications/", clarification_data(claim.pk)),
        403,
        "permission_denied",
    )
    writer = api(key=make_key(desk.agency, "content:read", "facts:write"))
    created = writer.post("/api/v1/clarifications/", clarification_data(claim.pk))
    assert created.status_code == 201, created.content
    base = f"/api/v1/clarifications/{created.json()['id']}"
    assert writer.post(f"{base}/submit/").status_code == 200
    # Four eyes are two people's: no system approves, neither the one that wrote the
    # draft nor a second key of the same agency.
    _problem(writer.post(f"{base}/approve/"), 403, "person_required")
    other = api(key=make_key(desk.agency, "content:read", "facts:write"))
    _problem(other.post(f"{base}/approve/"), 403, "person_required")
    gql = other.gql(
        "mutation($id: Int!) { clarificationApprove(id: $id) { errors { code } } }",
        {"id": created.json()["id"]},
    )
    assert gql["data"]["clarificationApprove"]["errors"] == [{"code": "person_required"}]
    # A verifier approves; the system may then publish what a person approved.
    assert api(user=desk.verifier).post(f"{base}/approve/").status_code == 200
    published = writer.post(f"{base}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"


def test_withdrawn_resolves_as_tombstone(api, desk, make_clarification):
    item = make_clarification()
    verifier = api(user=desk.verifier)
    _problem(
        verifier.post(f"/api/v1/clarifications/{item.pk}/withdraw/", {"reason": ""}),
        400,
        "validation_failed",
    )
    verifier.post(f"/api/v1/clarifications/{item.pk}/withdraw/", {"reason": "Klaim keliru."})
    body = _problem(api().get(f"/api/v1/clarifications/{item.pk}/"), 410, "withdrawn")
    tombstone = body["tombstone"]
    assert tombstone["status"] == "withdrawn" and tombstone["withdrawal_reason"] == "Klaim keliru."
    assert tombstone["id"] == item.pk and tombstone["withdrawn_at"]
    listed = {row["id"] for row in api().get("/api/v1/clarifications/").json()["results"]}
    assert item.pk not in listed
    asked = api().get("/api/v1/clarifications/?status=withdrawn").json()["results"]
    assert [row["id"] for row in asked] == [item.pk]
    gql = api().gql(
        "query($id: Int!) { clarification(id: $id) { status title withdrawalReason } }",
        {"id": item.pk},
    )
    assert gql["data"]["clarification"] == {
        "status": "WITHDRAWN",
        "title": None,
        "withdrawalReason": "Klaim keliru.",
    }


def test_claimreview_jsonld_by_accept_header_and_format(api, desk, make_clarification):
    item = make_clarification(verdict="sebagian_benar")
    by_header = api().get(f"/api/v1/clarifications/{item.pk}/", HTTP_ACCEPT="application/ld+json")
    assert by_header.status_code == 200 and by_header["Content-Type"] == "application/ld+json"
    review = by_header.json()
    assert review["@type"] == "ClaimReview" and review["reviewRating"]["ratingValue"] == 3
    by_format = api().get(f"/api/v1/clarifications/{item.pk}/?format=jsonld")
    assert by_format.json() == review
    draft = make_clarification(until="draft")
    _problem(
        api(user=desk.editor).get(f"/api/v1/clarifications/{draft.pk}/?format=jsonld"),
        406,
        "not_acceptable",
    )
    plain = api().get(f"/api/v1/clarifications/{item.pk}/")
    assert (
        plain["Content-Type"] == "application/json" and plain.json()["verdict"] == "sebagian_benar"
    )


def test_verify_endpoint_and_jwks(api, desk, make_clarification):
    item = make_clarification()
    signed = api().get(f"/api/v1/clarifications/{item.pk}/versions/1/").json()
    assert signed["signature"] and signed["type"] == "clarification"
    result = api().post("/api/v1/verify", signed).json()
    assert result["authentic"] is True and result["version"] == 1 and result["id"] == item.pk
    assert result["message"].startswith("Asli dan tidak diubah")  # Bahasa Indonesia by default
    tampered = orjson.loads(orjson.dumps(signed).replace(b"Kementerian", b"Kementrian", 1))
    result = api().post("/api/v1/verify", tampered).json()
    assert result == {**result, "authentic": False, "code": "signature_mismatch"}
    detached = {"document": {k: v for k, v in signed.items() if k != "signature"}}
    detached["signature"] = signed["signature"]
    assert api().post("/api/v1/verify", detached).json()["authentic"] is True
    _problem(api().post("/api/v1/verify", {"title": "x"}), 400, "validation_failed")
    jwks = api().get("/.well-known/jwks.json")
    assert jwks.status_code == 200 and "max-age" in jwks["Cache-Control"]
    kids = [key["kid"] for key in jwks.json()["keys"]]
    assert signed["signature"] and item.head.kid in kids
    gql = api().gql(
        "query($d: GenericScalar!) { verifySignature(document: $d) { authentic version } }",
        {"d": signed},
    )
    assert gql["data"]["verifySignature"] == {"authentic": True, "version": 1}


def test_verification_speaks_the_callers_language(api, make_clarification):
    item = make_clarification()
    signed = api().get(f"/api/v1/clarifications/{item.pk}/versions/1/").json()
    tampered = {**signed, "title": "Judul lain"}
    expected = {
        "id": (
            f"Asli dan tidak diubah: klarifikasi {item.pk} versi 1, ditandatangani dengan "
            f"kunci {item.head.kid}.",
            "Isi telah diubah setelah ditandatangani, atau tanda tangan ini bukan untuk isi ini.",
        ),
        "en": (
            f"Authentic and unaltered: clarification {item.pk} version 1, signed by key "
            f"{item.head.kid}.",
            "The content was altered after signing, or the signature is not for this content.",
        ),
    }
    query = "query($d: GenericScalar!) { verifySignature(document: $d) { message } }"
    for lang, (authentic, altered) in expected.items():
        caller = api(lang=lang)
        response = caller.post("/api/v1/verify", signed)
        assert response["Content-Language"] == lang
        assert response.json()["message"] == authentic
        assert caller.post("/api/v1/verify", tampered).json()["message"] == altered
        for document, message in ((signed, authentic), (tampered, altered)):
            answer = caller.gql(query, {"d": document})["data"]["verifySignature"]
            assert answer == {"message": message}


def test_claims_and_lookup_over_rest_and_graphql(api, desk, make_claim, make_clarification):
    editor = api(user=desk.editor)
    created = editor.post(
        "/api/v1/claims/",
        {
            "text": "Hoaks: air kelapa campur garam menyembuhkan COVID-19.",
            "summary": "Hoaks air kelapa menyembuhkan COVID-19",
            "appearances": [{"url": "https://www.tiktok.com/@sehat/video/1?is_from_webapp=1"}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["warnings"][0]["code"] == "summary_contains_verdict"
    detail = editor.get(f"/api/v1/claims/{body['id']}/").json()
    assert detail["appearances"][0]["platform"] == "tiktok"
    assert detail["appearances"][0]["normalized_url"] == "https://tiktok.com/@sehat/video/1"
    item = make_clarification()
    link = item.claim.appearances.get(is_first=True).url + "&utm_source=whatsapp"
    found = api().get(f"/api/v1/claims/lookup?url={quote(link, safe='')}")
    assert found.status_code == 200, found.content
    assert found.json()["clarified"] is True
    assert found.json()["claims"][0]["clarifications"][0]["id"] == item.pk
    gql = api().gql(
        "query($url: String!) { claimLookup(url: $url) { clarified claims { databaseId: id } } }",
        {"url": link},
    )
    assert gql["data"]["claimLookup"]["clarified"] is True
    _problem(api().get("/api/v1/claims/lookup"), 400, "validation_failed")


def test_search_endpoint_and_graphql_field(api, make_clarification):
    item = make_clarification()
    response = api().get("/api/v1/search?q=umum&type=clarification")
    assert response.status_code == 200, response.content
    hits = response.json()["results"]
    assert hits[0]["id"] == item.pk and "<mark>" in hits[0]["snippet"]
    gql = api().gql(
        'query { search(q: "diumumkan", types: ["clarification"]) '
        "{ total results { id type snippet } } }"
    )
    assert item.pk in [hit["id"] for hit in gql["data"]["search"]["results"]]
    _problem(api().get("/api/v1/search?q=umum&type=berita"), 400, "validation_failed")


def test_clarification_feed(api, make_claim, make_clarification):
    malang = make_clarification(claim=make_claim(regions=["35.07"], topics=["bansos"]))
    bandung = make_clarification(claim=make_claim(regions=["32.04"], topics=["kesehatan"]))
    draft = make_clarification(until="draft")
    response = api().get("/feeds/clarifications.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    links = {e.findtext("a:id", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)}
    urls = {f"http://127.0.0.1:8000/api/v1/clarifications/{c.pk}/" for c in (malang, bandung)}
    assert urls <= links
    assert f"http://127.0.0.1:8000/api/v1/clarifications/{draft.pk}/" not in links
    title = feed.find("a:entry/a:title", ATOM).text
    assert title.startswith("[HOAKS] ")

    def ids(query):
        feed = etree.fromstring(api().get(f"/feeds/clarifications.atom?{query}").content)
        return {e.findtext("a:id", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)}

    assert ids("region=35") & urls == {urls_for(malang)}
    assert ids("topic=kesehatan") & urls == {urls_for(bandung)}
    assert ids(f"agency={malang.agency.slug}") >= urls
    assert ids("agency=tidak-ada") == set()


def urls_for(item) -> str:
    return f"http://127.0.0.1:8000/api/v1/clarifications/{item.pk}/"


def test_cap_documents_and_feed(api, bpbd, make_bulletin):
    active = make_bulletin()
    exercise = make_bulletin(cap_status="Exercise")
    draft = make_bulletin(until="approved")
    response = api().get(f"/cap/alerts/{active.identifier}.xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/cap+xml"
    validate(response.content)
    assert api().get(f"/cap/alerts/{exercise.identifier}.xml").status_code == 200
    _problem(api().get(f"/cap/alerts/{draft.identifier}.xml"), 404, "not_found")
    feed = api().get("/cap/feed.atom?region=35")
    assert feed.status_code == 200
    entries = etree.fromstring(feed.content).findall("a:entry", ATOM)
    cap_links = {
        link.get("href")
        for entry in entries
        for link in entry.findall("a:link", ATOM)
        if link.get("type") == "application/cap+xml"
    }
    assert f"http://127.0.0.1:8000/cap/alerts/{active.identifier}.xml" in cap_links
    assert not any(exercise.identifier in link for link in cap_links)
    assert not etree.fromstring(api().get("/cap/feed.atom?region=36").content).findall(
        "a:entry", ATOM
    )
    detail = api().get(f"/api/v1/bulletins/{active.pk}/").json()
    assert detail["cap_url"].endswith(f"/cap/alerts/{active.identifier}.xml")
    assert detail["links"]["hotlines"], "the area's hotline or the agency's website"
    verifier = api(user=bpbd.verifier)
    verifier.post(f"/api/v1/bulletins/{active.pk}/withdraw/", {"reason": "Salah terbit."})
    _problem(api().get(f"/cap/alerts/{active.identifier}.xml"), 410, "withdrawn")
    _problem(api().get(f"/api/v1/bulletins/{active.pk}/"), 410, "withdrawn")


def test_bulletin_rest_workflow_and_update(api, bpbd, make_clarification):
    editor, verifier = api(user=bpbd.editor), api(user=bpbd.verifier)
    created = editor.post("/api/v1/bulletins/", bulletin_data())
    assert created.status_code == 201, created.content
    base = f"/api/v1/bulletins/{created.json()['id']}"
    assert created.json()["status"] == "draft" and created.json()["cap_url"] is None
    editor.post(f"{base}/submit/")
    _problem(editor.post(f"{base}/approve/"), 403, "permission_denied")
    verifier.post(f"{base}/approve/")
    published = verifier.post(f"{base}/publish/").json()
    assert published["status"] == "published" and published["sent"]
    _problem(editor.patch(f"{base}/", {"severity": "Minor"}), 409, "published_immutable")
    update = editor.post(f"{base}/correct/", {"severity": "Extreme"})
    assert update.status_code == 201, update.content
    assert update.json()["msg_type"] == "Update"
    assert update.json()["references"] == [published["identifier"]]
    assert update["Location"].endswith(f"/api/v1/bulletins/{update.json()['id']}/")
    signed = api().get(f"{base}/signed/").json()
    assert api().post("/api/v1/verify", signed).json()["authentic"] is True
    gql = editor.gql(
        'mutation($id: Int!) { bulletinUpdate(id: $id, input: {severity: "Minor"}) '
        "{ errors { code } } }",
        {"id": published["id"]},
    )
    assert gql["data"]["bulletinUpdate"]["errors"][0]["code"] == "published_immutable"
    assert Bulletin.objects.get(pk=published["id"]).severity == "Severe"


def test_rest_and_graphql_return_the_same_ids(
    api, desk, bpbd, make_claim, make_clarification, make_bulletin
):
    for verdict in ("hoaks", "fakta", "hoaks"):
        make_clarification(verdict=verdict)
    make_clarification(until="draft")
    make_bulletin()
    make_bulletin(until="draft")
    for user in (None, desk.viewer, bpbd.editor):
        client = api(user=user) if user else api()
        for path, field, query in (
            ("/api/v1/clarifications/?verdict=hoaks", "clarifications", 'verdict: "hoaks"'),
            ("/api/v1/clarifications/", "clarifications", ""),
            ("/api/v1/claims/?region=35", "claims", 'region: "35"'),
            ("/api/v1/bulletins/", "bulletins", ""),
        ):
            rest = [row["id"] for row in client.get(path).json()["results"]]
            args = f"(first: 100, {query})" if query else "(first: 100)"
            gql = client.gql(f"{{ {field}{args} {{ edges {{ node {{ databaseId }} }} }} }}")
            ids = [edge["node"]["databaseId"] for edge in gql["data"][field]["edges"]]
            assert rest == ids, (user, path)


LIST_QUERY = """{ clarifications(first: 100) { edges { node {
    databaseId status title headline version conclusion
    verdict { code ratingValue: rating }
    agency { slug name }
    claim { summary topics appearances { url platform } }
} } } }"""


def test_list_queries_do_not_grow_with_rows(api, desk, make_claim, make_clarification):
    client = api(user=desk.viewer)

    def measure():
        with CaptureQueriesContext(connection) as rest:
            response = client.get("/api/v1/clarifications/?limit=100&expand=verdict,claim,agency")
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as gql:
            result = client.gql(LIST_QUERY)
        assert "errors" not in result, result
        return len(response.json()["results"]), len(rest), len(gql)

    for _ in range(5):
        make_clarification()
    five = measure()
    for _ in range(45):
        make_clarification(claim=make_claim())
    fifty = measure()
    assert (five[0], fifty[0]) == (5, 50)
    assert five[1] == fifty[1], f"REST: {five[1]} queries at 5 rows, {fifty[1]} at 50"
    assert five[2] == fifty[2], f"GraphQL: {five[2]} queries at 5 rows, {fifty[2]} at 50"


def test_graphql_workflow_end_to_end(api, desk, make_claim):
    claim = make_claim()
    editor, verifier = api(user=desk.editor), api(user=desk.verifier)
    created = editor.gql(
        """mutation($input: ClarificationInput!) {
            clarificationCreate(input: $input) {
                clarification { databaseId status } errors { code }
            }
        }""",
        {"input": camel(clarification_data(claim.pk))},
    )["data"]["clarificationCreate"]
    assert created["errors"] == [] and created["clarification"]["status"] == "DRAFT"
    pk = created["clarification"]["databaseId"]
    move = "mutation($id: Int!) { %s(id: $id) { clarification { status } errors { code } } }"
    assert (
        editor.gql(move % "clarificationSubmit", {"id": pk})["data"]["clarificationSubmit"][
            "errors"
        ]
        == []
    )
    own = editor.gql(move % "clarificationApprove", {"id": pk})["data"]["clarificationApprove"]
    assert own["errors"][0]["code"] == "permission_denied"
    assert (
        verifier.gql(move % "clarificationApprove", {"id": pk})["data"]["clarificationApprove"][
            "errors"
        ]
        == []
    )
    done = verifier.gql(move % "clarificationPublish", {"id": pk})["data"]["clarificationPublish"]
    assert done["errors"] == []
    detail = api().gql(
        "query($id: Int!) { clarification(id: $id) { headline claimReview signedDocument } }",
        {"id": pk},
    )["data"]["clarification"]
    assert detail["claimReview"]["@type"] == "ClaimReview"
    assert detail["signedDocument"]["signature"]
