"""Crisis bulletins: CAP 1.2 validity, references of Updates and Cancels, the active feed,
region matching, time zones, validation and the shared four-eyes workflow."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from lxml import etree

from agencies.models import Region
from hub.cap.xml import CAP_NS, validate
from hub.errors import Conflict, PermissionDenied, ValidationFailed
from hub.facts import services
from hub.facts.models import Bulletin
from hub.facts.selectors import bulletin_feed
from tests.facts.conftest import advance, bulletin_data, principal

pytestmark = pytest.mark.django_db
NS = {"cap": CAP_NS}


def _codes(exc) -> set[str]:
    return {error.code for error in exc.value.errors}


def test_published_bulletin_is_valid_cap(make_bulletin):
    bulletin = make_bulletin()
    assert bulletin.status == "published" and bulletin.sent is not None
    validate(bulletin.cap_xml.encode())  # raises CapInvalid when not schema-valid
    root = etree.fromstring(bulletin.cap_xml.encode())
    assert root.findtext("cap:identifier", namespaces=NS) == bulletin.identifier
    assert root.findtext("cap:sender", namespaces=NS) == "bpbd.malangkab.go.id"
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["id-ID", "en-US"]
    assert [i.findtext("cap:event", namespaces=NS) for i in infos] == ["Banjir", "Flood"]
    assert infos[0].findtext("cap:category", namespaces=NS) == "Met"
    assert infos[0].findtext("cap:instruction", namespaces=NS).startswith("Warga bantaran")
    geocode = infos[0].find("cap:area/cap:geocode", NS)
    assert geocode.findtext("cap:valueName", namespaces=NS) == "KEMENDAGRI"
    assert geocode.findtext("cap:value", namespaces=NS) == "35.07.07"
    polygon = infos[0].findtext("cap:area/cap:polygon", namespaces=NS).split()
    assert polygon[0] == polygon[-1]
    resource = infos[0].find("cap:resource", NS)
    assert resource.findtext("cap:mimeType", namespaces=NS) == "image/png"
    assert resource.findtext("cap:digest", namespaces=NS) == "a" * 40
    # Java is WIB: every time carries +07:00, never Z.
    times = [root.findtext("cap:sent", namespaces=NS)] + [
        infos[0].findtext(f"cap:{name}", namespaces=NS)
        for name in ("effective", "onset", "expires")
    ]
    assert all(t.endswith("+07:00") for t in times), times
    assert "Z<" not in bulletin.cap_xml


def test_times_follow_the_region_or_utc(make_bulletin):
    bali = make_bulletin(areas=[{"area_desc": "Kabupaten Badung, Bali", "region": "51.03"}])
    assert "+08:00</sent>" in bali.cap_xml
    both = make_bulletin(
        areas=[
            {"area_desc": "Kabupaten Badung, Bali", "region": "51.03"},
            {"area_desc": "Kabupaten Malang", "region": "35.07"},
        ]
    )
    assert "-00:00</sent>" in both.cap_xml
    for bulletin in (bali, both):
        validate(bulletin.cap_xml.encode())


def test_update_and_cancel_reference_their_predecessors(bpbd, make_bulletin):
    editor, verifier = principal(bpbd.editor), principal(bpbd.verifier)
    alert = make_bulletin()
    update = services.bulletin_follow_up(
        principal=editor,
        bulletin=alert,
        msg_type="Update",
        data={"severity": "Extreme", "urgency": "Immediate"},
    )
    assert update.msg_type == "Update" and update.references == [alert.identifier]
    assert update.identifier != alert.identifier
    update = advance(update, "published", editor, verifier)
    validate(update.cap_xml.encode())
    root = etree.fromstring(update.cap_xml.encode())
    sent = root.findtext("cap:sent", namespaces=NS)
    references = root.findtext("cap:references", namespaces=NS)
    alert.refresh_from_db()
    original_sent = etree.fromstring(alert.cap_xml.encode()).findtext("cap:sent", namespaces=NS)
    assert references == f"{alert.sender},{alert.identifier},{original_sent}"
    assert sent and alert.status == "superseded"
    # A Cancel references the whole chain and calls it off.
    cancel = services.bulletin_follow_up(principal=editor, bulletin=update, msg_type="Cancel")
    assert cancel.references == [alert.identifier, update.identifier]
    cancel = advance(cancel, "published", editor, verifier)
    validate(cancel.cap_xml.encode())
    references = etree.fromstring(cancel.cap_xml.encode()).findtext("cap:references", namespaces=NS)
    assert alert.identifier in references and update.identifier in references
    update.refresh_from_db()
    alert.refresh_from_db()
    assert update.status == "cancelled" and alert.status == "cancelled"
    # Only the current message can be followed up.
    with pytest.raises(Conflict) as caught:
        services.bulletin_follow_up(principal=editor, bulletin=alert, msg_type="Update")
    assert caught.value.code == "invalid_transition"


def test_update_needs_references_and_alert_refuses_them(bpbd, make_bulletin):
    editor = principal(bpbd.editor)
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_create(
            principal=editor, agency=bpbd.agency, data=bulletin_data(msg_type="Update")
        )
    assert "references_required" in _codes(caught)
    alert = make_bulletin()
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_create(
            principal=editor, agency=bpbd.agency, data=bulletin_data(references=[alert.identifier])
        )
    assert "references_not_allowed" in _codes(caught)
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_create(
            principal=editor,
            agency=bpbd.agency,
            data=bulletin_data(msg_type="Update", references=["tidak-ada"]),
        )
    assert "unknown_reference" in _codes(caught)


def test_feed_shows_only_active_real_public_bulletins(bpbd, make_bulletin):
    now = timezone.now()
    active = make_bulletin()
    expired = make_bulletin(
        effective=(now - timedelta(days=3)).isoformat(),
        onset=(now - timedelta(days=3)).isoformat(),
        expires=(now - timedelta(days=1)).isoformat(),
    )
    exercise = make_bulletin(cap_status="Exercise")
    test = make_bulletin(cap_status="Test")
    draft = make_bulletin(until="approved")
    restricted = make_bulletin(scope="Restricted", restriction="Hanya untuk petugas BPBD")
    validate(exercise.cap_xml.encode())
    feed = {b.identifier for b in bulletin_feed({}, now=now)}
    assert active.identifier in feed
    assert not feed & {
        expired.identifier,
        exercise.identifier,
        test.identifier,
        draft.identifier,
        restricted.identifier,
    }
    # Expiry is a query-time filter: the active bulletin leaves by itself.
    later = now + timedelta(days=3)
    assert active.identifier not in {b.identifier for b in bulletin_feed({}, now=later)}
    # A superseded alert leaves; its Update takes its place.
    editor, verifier = principal(bpbd.editor), principal(bpbd.verifier)
    update = advance(
        services.bulletin_follow_up(principal=editor, bulletin=active, msg_type="Update"),
        "published",
        editor,
        verifier,
    )
    feed = {b.identifier for b in bulletin_feed({}, now=now)}
    assert update.identifier in feed and active.identifier not in feed


def test_feed_region_matches_ancestors_and_descendants(make_bulletin):
    now = timezone.now()
    bulletin = make_bulletin()  # area 35.07.07 (Kecamatan Dampit)
    village = Region.objects.filter(code__startswith="35.07.07.").order_by("code").first()
    for code in ("35", "35.07", "35.07.07", village.code):
        assert bulletin in bulletin_feed({"region": code}, now=now), code
    for code in ("36", "35.08", "35.07.08"):
        assert bulletin not in bulletin_feed({"region": code}, now=now), code
    assert bulletin in bulletin_feed({"agency": bulletin.agency.slug}, now=now)
    assert bulletin not in bulletin_feed({"agency": "lain"}, now=now)


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"event": "gempa_besar"}, "event", "invalid_choice"),
        ({"urgency": "Now"}, "urgency", "invalid_choice"),
        ({"infos": []}, "infos", "info_required"),
        (
            {"infos": [{"language": "en-US", "headline": "Flood", "description": "x"}]},
            "infos",
            "info_required",
        ),
        (
            {"infos": [{"language": "id-ID", "headline": "Banjir", "description": "Air naik."}]},
            "infos.0.instruction",
            "required",
        ),
        ({"areas": []}, "areas", "area_required"),
        ({"areas": [{"area_desc": "X", "region": "99.99"}]}, "areas.0.region", "unknown_region"),
        (
            {
                "areas": [
                    {
                        "area_desc": "Manila",
                        "region": "35.07",
                        "polygons": [[[14.5, 120.9], [14.7, 121.0], [14.5, 121.1]]],
                    }
                ]
            },
            "areas.0.polygons.0",
            "outside_indonesia",
        ),
        (
            {
                "areas": [
                    {
                        "area_desc": "Garis",
                        "region": "35.07",
                        "polygons": [[[-8.1, 112.6], [-8.2, 112.7]]],
                    }
                ]
            },
            "areas.0.polygons.0",
            "invalid_polygon",
        ),
        (
            {
                "areas": [
                    {
                        "area_desc": "Tertukar",
                        "region": "35.07",
                        "circles": [{"lat": 112.6, "lon": -8.1, "radius_km": 5}],
                    }
                ]
            },
            "areas.0.circles.0",
            "invalid_circle",
        ),
        (
            {
                "areas": [
                    {
                        "area_desc": "Samudra Hindia",
                        "region": "35.07",
                        "circles": [{"lat": -20.0, "lon": 112.6, "radius_km": 5}],
                    }
                ]
            },
            "areas.0.circles.0",
            "outside_indonesia",
        ),
        (
            {"effective": "2025-01-02T00:00:00+07:00", "expires": "2025-01-01T00:00:00+07:00"},
            "expires",
            "expires_before_effective",
        ),
        ({"expires": "besok"}, "expires", "invalid_datetime"),
        ({"scope": "Restricted"}, "restriction", "required"),
        ({"resources": [{"url": "ftp://x", "mime": "png"}]}, "resources.0.url", "invalid_url"),
        (
            {"resources": [{"url": "https://a.go.id/p.png", "mime": "image/png", "digest": "12"}]},
            "resources.0.digest",
            "invalid_digest",
        ),
        ({"colour": "merah"}, "colour", "unknown_field"),
    ],
)
def test_invalid_bulletins_are_refused(bpbd, overrides, field, code):
    count = Bulletin.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_create(
            principal=principal(bpbd.editor), agency=bpbd.agency, data=bulletin_data(**overrides)
        )
    assert (field, code) in {(e.field, e.code) for e in caught.value.errors}
    assert Bulletin.objects.count() == count


def test_event_labels_fit_cap():
    from hub.facts.vocab import EVENTS

    assert all(len(e.label_id) <= 35 and len(e.label_en) <= 35 for e in EVENTS.values())
    assert {"banjir", "tanah_longsor", "gempabumi", "tsunami", "erupsi_gunung_api"} <= set(EVENTS)


def test_bulletin_workflow_four_eyes_and_immutability(bpbd, make_user, make_bulletin):
    author = make_user(bpbd.agency, "editor", "verifier")
    draft = services.bulletin_create(
        principal=principal(author), agency=bpbd.agency, data=bulletin_data()
    )
    assert draft.identifier and draft.sender == "bpbd.malangkab.go.id"
    assert draft.contact  # the area's hotline, else the agency's website
    draft = services.bulletin_submit(principal=principal(author), bulletin=draft)
    with pytest.raises(PermissionDenied) as caught:
        services.bulletin_approve(principal=principal(author), bulletin=draft)
    assert caught.value.code == "four_eyes_required"
    with pytest.raises(Conflict) as caught:
        services.bulletin_publish(principal=principal(bpbd.verifier), bulletin=draft)
    assert caught.value.code == "invalid_transition"
    published = make_bulletin()
    identifier = published.identifier
    with pytest.raises(Conflict) as caught:
        services.bulletin_update(
            principal=principal(bpbd.editor), bulletin=published, data={"severity": "Minor"}
        )
    assert caught.value.code == "published_immutable"
    with pytest.raises(DatabaseError), transaction.atomic():
        Bulletin.objects.filter(pk=published.pk).update(severity="Minor")
    with pytest.raises(DatabaseError), transaction.atomic():
        Bulletin.objects.filter(pk=published.pk).update(identifier="lain")
    published.refresh_from_db()
    assert published.identifier == identifier and published.severity == "Severe"


def test_withdrawn_bulletin_is_a_tombstone(bpbd, make_bulletin):
    bulletin = make_bulletin()
    bulletin = services.bulletin_withdraw(
        principal=principal(bpbd.verifier), bulletin=bulletin, reason="Diterbitkan keliru."
    )
    assert bulletin.status == "withdrawn" and bulletin.cap_xml
    assert bulletin not in bulletin_feed({}, now=timezone.now())


def test_systems_need_the_bulletin_scope(bpbd, make_key):
    from agencies.policy import principal_for_system

    writer = principal_for_system(agency_id=bpbd.agency.pk, scopes=["facts:write"], client_id="a")
    with pytest.raises(PermissionDenied):
        services.bulletin_create(principal=writer, agency=bpbd.agency, data=bulletin_data())
    issuer = principal_for_system(
        agency_id=bpbd.agency.pk, scopes=["bulletins:issue", "content:read"], client_id="b"
    )
    bulletin = services.bulletin_create(principal=issuer, agency=bpbd.agency, data=bulletin_data())
    assert bulletin.created_by == "system:b"


def test_bulletin_links_the_areas_hotline(bpbd, make_bulletin):
    from agencies.contacts.services import contact_create

    contact_create(
        principal=principal(bpbd.editor),
        agency=bpbd.agency,
        data={
            "channel": "voice",
            "value": "(0341) 393008",
            "purpose": "emergency",
            "label": "Pusdalops BPBD Kabupaten Malang",
            "availability": "24/7",
        },
    )
    bulletin = make_bulletin()
    assert bulletin.contact.startswith("Pusdalops BPBD Kabupaten Malang: ")
    hotlines = bulletin.document["links"]["hotlines"]
    assert hotlines[0]["label"] == "Pusdalops BPBD Kabupaten Malang"
    assert hotlines[0]["channel"] == "voice"
    root = etree.fromstring(bulletin.cap_xml.encode())
    assert root.findtext("cap:info/cap:contact", namespaces=NS) == bulletin.contact


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_a_bulletin_leaves_the_active_list_and_feed_by_itself_when_it_expires(
    bpbd, make_bulletin, api
):
    """Each request reads the clock of its own transaction (``Now()``): nothing has to run."""
    expires = timezone.now() + timedelta(seconds=4)  # publishing takes well under that
    item = make_bulletin(expires=expires.isoformat())
    reader = api()

    def listed(active: str) -> list[str]:
        page = reader.get(f"/api/v1/bulletins/?active={active}").json()["results"]
        return [bulletin["identifier"] for bulletin in page]

    assert item.identifier in listed("true")
    assert item.identifier in reader.get("/cap/feed.atom").content.decode()
    while timezone.now() <= expires:  # a few seconds at most
        time.sleep(0.1)
    assert item.identifier not in listed("true")
    assert item.identifier in listed("false")
    assert item.identifier not in reader.get("/cap/feed.atom").content.decode()
    # It is still published: expiry ends its validity, not its record.
    assert reader.get(f"/api/v1/bulletins/{item.pk}/").json()["status"] == "published"


def _issue(editor, verifier, path: str, data: dict | None = None) -> dict:
    """Draft a bulletin (or a follow-up) over REST, then submit, approve and publish it."""
    draft = editor.post(path, data)
    assert draft.status_code == 201, draft.content
    base = f"/api/v1/bulletins/{draft.json()['id']}"
    assert editor.post(f"{base}/submit/").status_code == 200
    assert verifier.post(f"{base}/approve/").status_code == 200
    published = verifier.post(f"{base}/publish/")
    assert published.status_code == 200, published.content
    return published.json()


def _feed_titles(reader, region: str) -> dict[str, str]:
    """The entries of the CAP Atom feed: identifier (from the CAP link) → title."""
    entries = etree.fromstring(reader.get(f"/cap/feed.atom?region={region}").content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    return {
        entry.find("a:id", atom).text.rsplit("/", 1)[1].removesuffix(".xml"): entry.findtext(
            "a:title", namespaces=atom
        )
        for entry in entries.findall("a:entry", atom)
    }


def test_a_cancel_ends_the_warning_and_tells_nobody_to_evacuate(api, bpbd):
    editor, verifier, reader = api(user=bpbd.editor), api(user=bpbd.verifier), api()
    alert = _issue(editor, verifier, "/api/v1/bulletins/", bulletin_data())
    update = _issue(
        editor,
        verifier,
        f"/api/v1/bulletins/{alert['id']}/correct/",
        {
            "severity": "Extreme",
            "response_types": ["Evacuate"],
            "infos": [
                {
                    "language": "id-ID",
                    "headline": "Banjir meluas di Kecamatan Dampit",
                    "description": "Air terus naik di permukiman bantaran Sungai Lesti.",
                    "instruction": "Segera mengungsi",
                }
            ],
        },
    )
    in_force = "/api/v1/bulletins/?active=true&region=35.07.07"
    assert [b["identifier"] for b in reader.get(in_force).json()["results"]] == [
        update["identifier"]
    ]
    assert set(_feed_titles(reader, "35.07.07")) == {update["identifier"]}

    draft = editor.post(f"/api/v1/bulletins/{update['id']}/cancel/")
    assert draft.status_code == 201, draft.content
    body = draft.json()
    assert body["msg_type"] == "Cancel" and body["response_types"] == ["AllClear"]
    assert body["urgency"] == "Past" and body["severity"] == "Minor"
    (info,) = body["infos"]
    assert info["headline"] == "[DIBATALKAN] Banjir meluas di Kecamatan Dampit"
    assert info["instruction"].startswith("Peringatan ini dicabut.")
    assert "mengungsi" not in info["instruction"]
    # The author may still word it: the default is a start, not a rule.
    edited = editor.patch(
        f"/api/v1/bulletins/{body['id']}/",
        {"infos": [{**info, "instruction": "Peringatan dicabut; warga boleh kembali ke rumah."}]},
    )
    assert edited.status_code == 200, edited.content
    base = f"/api/v1/bulletins/{body['id']}"
    editor.post(f"{base}/submit/")
    verifier.post(f"{base}/approve/")
    cancel = verifier.post(f"{base}/publish/").json()
    assert cancel["status"] == "published"

    # Nothing of the chain is in force any more: not the Cancel, not what it cancels.
    assert reader.get(in_force).json()["results"] == []
    assert reader.get("/api/v1/bulletins/?active=true").json()["results"] == []
    statuses = {
        b["identifier"]: b["status"]
        for b in reader.get("/api/v1/bulletins/?active=false").json()["results"]
    }
    assert statuses == {
        alert["identifier"]: "cancelled",
        update["identifier"]: "cancelled",
        cancel["identifier"]: "published",
    }
    xml = reader.get(f"/cap/alerts/{cancel['identifier']}.xml").content
    root = etree.fromstring(xml)
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert [r.text for r in root.iterfind("cap:info/cap:responseType", NS)] == ["AllClear"]
    assert root.findtext("cap:info/cap:instruction", namespaces=NS).startswith("Peringatan dicabut")
    # The feed (current alerts) keeps only the Cancel, for a day, so aggregators see it.
    assert _feed_titles(reader, "35.07.07") == {
        cancel["identifier"]: "[DIBATALKAN] Banjir meluas di Kecamatan Dampit"
    }
    tomorrow = timezone.now() + timedelta(hours=25)
    assert not bulletin_feed({}, now=tomorrow)


def test_a_cancel_asks_nobody_to_act(bpbd, make_bulletin):
    editor = principal(bpbd.editor)
    alert = make_bulletin()
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_follow_up(
            principal=editor,
            bulletin=alert,
            msg_type="Cancel",
            data={"response_types": ["Evacuate", "Monitor"]},
        )
    assert ("response_types", "not_for_cancel") in {(e.field, e.code) for e in caught.value.errors}
    cancel = services.bulletin_follow_up(
        principal=editor, bulletin=alert, msg_type="Cancel", data={"response_types": ["Monitor"]}
    )
    assert cancel.response_types == ["Monitor"]
    assert [i["headline"].split(" ")[0] for i in cancel.infos] == ["[DIBATALKAN]", "[CANCELLED]"]
    assert cancel.infos[1]["instruction"].startswith("This warning is withdrawn.")
    with pytest.raises(ValidationFailed) as caught:
        services.bulletin_update(
            principal=editor, bulletin=cancel, data={"response_types": ["Shelter"]}
        )
    assert "not_for_cancel" in _codes(caught)


def _area(**fields) -> dict:
    return {"area_desc": "Kecamatan Dampit", "region": "35.07.07", **fields}


def _circle(radius) -> dict:
    return {"lat": -8.21, "lon": 112.75, "radius_km": radius}


@pytest.mark.parametrize(
    "area, field, code",
    [
        (_area(region=["35.07"]), "areas.0.region", "invalid_type"),
        (_area(region={"code": "35.07"}), "areas.0.region", "invalid_type"),
        (_area(region=35.07), "areas.0.region", "invalid_type"),
        (_area(polygons=True), "areas.0.polygons", "invalid_type"),
        (_area(polygons=5), "areas.0.polygons", "invalid_type"),
        (_area(polygons=1.5), "areas.0.polygons", "invalid_type"),
        (_area(polygons=None), "areas.0.polygons", "invalid_type"),
        (_area(polygons=[5]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(polygons=[[5, 6, 7]]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(polygons=[[[-8.1, 112.6, 3]] * 4]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(polygons=[[[-91, 112.6]] * 4]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(polygons=[[[-8.1, 1e308]] * 4]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(polygons=[[[-8.1, 112.6]] * 4]), "areas.0.polygons.0", "invalid_polygon"),
        (_area(circles=5), "areas.0.circles", "invalid_type"),
        (_area(circles={"lat": -8.2}), "areas.0.circles", "invalid_type"),
        (_area(circles=[5]), "areas.0.circles.0", "invalid_circle"),
        (_area(circles=[{**_circle(5), "lat": "-8.2"}]), "areas.0.circles.0", "invalid_circle"),
        (_area(circles=[{**_circle(5), "lon": 1e308}]), "areas.0.circles.0", "invalid_circle"),
        (_area(circles=[_circle(1e308)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle(1e25)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle(20_039)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle(0)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle(-1)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle(True)]), "areas.0.circles.0.radius_km", "invalid_radius"),
        (_area(circles=[_circle("5")]), "areas.0.circles.0.radius_km", "invalid_radius"),
        ("Dampit", "areas.0", "invalid_type"),
    ],
)
def test_malformed_areas_answer_400_and_store_nothing(api, bpbd, make_bulletin, area, field, code):
    editor = api(user=bpbd.editor)
    draft = make_bulletin(until="draft")
    count = Bulletin.objects.count()
    created = editor.post("/api/v1/bulletins/", bulletin_data(areas=[area]))
    patched = editor.patch(f"/api/v1/bulletins/{draft.pk}/", {"areas": [area]})
    for response in (created, patched):
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "validation_failed"
        assert (field, code) in {(e["field"], e["code"]) for e in body["errors"]}, body
    assert Bulletin.objects.count() == count
    stored = Bulletin.objects.get(pk=draft.pk)
    assert stored.areas == draft.areas and stored.version == draft.version
    assert editor.get(f"/api/v1/bulletins/{draft.pk}/").status_code == 200


def test_areas_at_the_edges_of_the_ranges_are_kept(api, bpbd):
    polygon = [[-8.17, 112.70], [-8.17, 112.82], [-8.30, 112.82], [-8.17, 112.70]]
    areas = [_area(polygons=[polygon], circles=[_circle(20_038), _circle(0.5)])]
    created = api(user=bpbd.editor).post("/api/v1/bulletins/", bulletin_data(areas=areas))
    assert created.status_code == 201, created.content
    (area,) = created.json()["areas"]
    assert area["polygons"] == [polygon]  # already closed: kept as it is
    assert [c["radius_km"] for c in area["circles"]] == [20_038, 0.5]


def test_a_follow_up_of_a_message_someone_else_replaced_is_not_published(api, bpbd):
    """A Cancel drafted from an alert that was updated meanwhile would leave the Update in force."""
    editor, verifier, reader = api(user=bpbd.editor), api(user=bpbd.verifier), api()
    alert = _issue(editor, verifier, "/api/v1/bulletins/", bulletin_data())
    stale = editor.post(f"/api/v1/bulletins/{alert['id']}/cancel/").json()
    base = f"/api/v1/bulletins/{stale['id']}"
    assert editor.post(f"{base}/submit/").status_code == 200
    assert verifier.post(f"{base}/approve/").status_code == 200
    update = _issue(editor, verifier, f"/api/v1/bulletins/{alert['id']}/correct/", {})

    refused = verifier.post(f"{base}/publish/")
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "follows_replaced"
    assert refused.json()["identifier"] == alert["identifier"]
    assert verifier.get(base).json()["status"] == "approved"
    in_force = reader.get("/api/v1/bulletins/?active=true").json()["results"]
    assert [b["identifier"] for b in in_force] == [update["identifier"]]
    # Cancelling the latest message ends the chain.
    _issue(editor, verifier, f"/api/v1/bulletins/{update['id']}/cancel/")
    assert reader.get("/api/v1/bulletins/?active=true").json()["results"] == []
