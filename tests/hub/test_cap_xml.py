"""CAP 1.2 alerts: building, schema validation, CAP times and geometry helpers."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from hub.cap import xml as cap
from hub.cap.xml import CAP_NS, CapInvalid

NS = {"cap": CAP_NS}

# 2025-04-10 07:44:20 WIB, an earthquake south of Malang (Jawa Timur).
QUAKE_AT = datetime(2025, 4, 10, 0, 44, 20, tzinfo=UTC)
SHAKEMAP = b"\x89PNG\r\n\x1a\n shakemap bytes stand-in"


def gempabumi_alert() -> dict:
    """A realistic BMKG earthquake Alert, in Indonesian and English."""
    sent = cap.cap_datetime(QUAKE_AT + timedelta(minutes=3), "35.07")
    onset = cap.cap_datetime(QUAKE_AT, "35.07")
    expires = cap.cap_datetime(QUAKE_AT + timedelta(hours=6), "35.07")
    area = {
        "areaDesc": "Kabupaten Malang, Jawa Timur",
        "polygon": [
            cap.polygon_to_cap([(-7.85, 112.35), (-7.85, 112.95), (-8.45, 112.95), (-8.45, 112.35)])
        ],
        "circle": [cap.circle_to_cap(-8.62, 112.61, 100)],
        "geocode": [{"valueName": "KEMENDAGRI", "value": "35.07"}],
    }
    resource = {
        "resourceDesc": "Peta guncangan (shakemap)",
        "mimeType": "image/png",
        "size": len(SHAKEMAP),
        "uri": "https://simpul.go.id/media/bmkg/20250410074420.mmi.png",
        "digest": hashlib.sha1(SHAKEMAP).hexdigest(),  # CAP 1.2: SHA-1 of the resource
    }
    common = {
        "category": ["Geo"],
        "event": "Gempabumi",
        "responseType": ["Monitor", "Prepare"],
        "urgency": "Immediate",
        "severity": "Moderate",
        "certainty": "Observed",
        "eventCode": [{"valueName": "BMKG", "value": "GEMPA"}],
        "onset": onset,
        "expires": expires,
        "senderName": "Badan Meteorologi, Klimatologi, dan Geofisika (BMKG)",
        "web": "https://www.bmkg.go.id/gempabumi/",
        "contact": "Call center BMKG 196",
        "parameter": [
            {"valueName": "Magnitude", "value": "5.6"},
            {"valueName": "Kedalaman", "value": "10 km"},
            {"valueName": "Koordinat", "value": "-8.62,112.61"},
        ],
        "resource": [resource],
        "area": [area],
    }
    return {
        "identifier": "bmkg-gempa-20250410074420",
        "sender": "inatews@bmkg.go.id",
        "sent": sent,
        "status": "Actual",
        "msgType": "Alert",
        "source": "InaTEWS",
        "scope": "Public",
        "code": ["IDN-BMKG"],
        "incidents": "gempa-20250410074420",
        "info": [
            {
                "language": "id-ID",
                **common,
                "headline": "Gempa Mag:5.6, 10-Apr-25 07:44:20 WIB, Kab. Malang",
                "description": "Pusat gempa berada di laut 62 km barat daya Kab. Malang.",
                "instruction": "Hindari bangunan yang retak atau rusak akibat gempa.",
                "audience": "Masyarakat umum",
            },
            {
                "language": "en-US",
                **common,
                "event": "Earthquake",
                "headline": "M 5.6 earthquake, 10-Apr-25 07:44:20 WIB, Malang Regency",
                "description": "The epicentre was at sea, 62 km south-west of Malang Regency.",
                "instruction": "Stay away from buildings cracked or damaged by the quake.",
            },
        ],
    }


def children(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


# --------------------------------------------------------------------------
# the schema file


def test_shipped_schema_is_cap_1_2() -> None:
    tree = etree.parse(str(cap.SCHEMA_PATH))
    root = tree.getroot()
    assert root.get("targetNamespace") == "urn:oasis:names:tc:emergency:cap:1.2"
    assert root.get("version") == "1.2"
    assert "Copyright OASIS Open 2010" in cap.SCHEMA_PATH.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# alerts that validate


def test_gempabumi_alert_validates() -> None:
    document = cap.build_alert(gempabumi_alert())
    cap.validate(document)

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(document)
    assert root.tag == f"{{{CAP_NS}}}alert"
    assert root.findtext("cap:sent", namespaces=NS) == "2025-04-10T07:47:20+07:00"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["id-ID", "en-US"]
    area = infos[0].find("cap:area", NS)
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "35.07"
    polygon = area.findtext("cap:polygon", namespaces=NS).split()
    assert polygon[0] == polygon[-1] and len(polygon) == 5
    assert area.findtext("cap:circle", namespaces=NS) == "-8.62,112.61 100"
    digest = infos[0].findtext("cap:resource/cap:digest", namespaces=NS)
    assert digest == hashlib.sha1(SHAKEMAP).hexdigest()
    # Non-ASCII text survives as UTF-8.
    assert "Badan Meteorologi, Klimatologi, dan Geofisika" in document.decode("utf-8")


def test_elements_follow_schema_order_whatever_the_dict_order() -> None:
    alert = gempabumi_alert()
    shuffled = dict(reversed(list(alert.items())))
    shuffled["info"] = [dict(reversed(list(info.items()))) for info in alert["info"]]
    document = cap.build_alert(shuffled)
    assert document == cap.build_alert(alert)
    cap.validate(document)

    root = etree.fromstring(document)
    assert children(root) == [
        "identifier", "sender", "sent", "status", "msgType", "source", "scope",
        "code", "incidents", "info", "info",
    ]  # fmt: skip
    assert children(root.find("cap:info", NS)) == [
        "language", "category", "event", "responseType", "responseType", "urgency",
        "severity", "certainty", "audience", "eventCode", "onset", "expires",
        "senderName", "headline", "description", "instruction", "web", "contact",
        "parameter", "parameter", "parameter", "resource", "area",
    ]  # fmt: skip
    info = root.find("cap:info", NS)
    assert children(info.find("cap:resource", NS)) == [
        "resourceDesc", "mimeType", "size", "uri", "digest",
    ]  # fmt: skip
    assert children(info.find("cap:area", NS)) == ["areaDesc", "polygon", "circle", "geocode"]


def test_update_referencing_the_alert_validates() -> None:
    original = gempabumi_alert()
    update = copy.deepcopy(original)
    update["identifier"] = "bmkg-gempa-20250410074420-u1"
    update["sent"] = cap.cap_datetime(QUAKE_AT + timedelta(minutes=20), "35.07")
    update["msgType"] = "Update"
    update["references"] = cap.cap_references(
        [(original["sender"], original["identifier"], original["sent"])]
    )
    for info in update["info"]:
        info["parameter"][0]["value"] = "5.4"  # magnitude revised
        info["urgency"] = "Past"
    document = cap.build_alert(update)
    cap.validate(document)
    root = etree.fromstring(document)
    assert root.findtext("cap:references", namespaces=NS) == (
        "inatews@bmkg.go.id,bmkg-gempa-20250410074420,2025-04-10T07:47:20+07:00"
    )
    # References may also be given as triples.
    update["references"] = [(original["sender"], original["identifier"], original["sent"])]
    assert cap.build_alert(update) == document


def test_cancel_without_info_validates() -> None:
    cancel = {
        "identifier": "bmkg-gempa-20250410074420-c1",
        "sender": "inatews@bmkg.go.id",
        "sent": cap.cap_datetime(QUAKE_AT + timedelta(hours=1), "35"),
        "status": "Actual",
        "msgType": "Cancel",
        "scope": "Public",
        "note": "Dibatalkan: kejadian tercatat ganda.",
        "references": [
            ("inatews@bmkg.go.id", "bmkg-gempa-20250410074420", "2025-04-10T07:47:20+07:00")
        ],
        "info": [],
    }
    document = cap.build_alert(cancel)
    cap.validate(document)
    assert b"<info" not in document


def test_empty_optional_elements_are_omitted() -> None:
    alert = gempabumi_alert()
    alert.update(source="", restriction=None, addresses=[], code=[], note=None)
    alert["info"][0].update(audience="", eventCode=[], web=None, resource=[])
    alert["info"][0]["area"][0].update(polygon=[], circle=None, altitude=None)
    document = cap.build_alert(alert)
    cap.validate(document)
    root = etree.fromstring(document)
    assert children(root)[:7] == [
        "identifier", "sender", "sent", "status", "msgType", "scope", "incidents",
    ]  # fmt: skip
    info = root.find("cap:info", NS)
    for gone in ("audience", "eventCode", "web", "resource"):
        assert info.find(f"cap:{gone}", NS) is None
    assert children(info.find("cap:area", NS)) == ["areaDesc", "geocode"]


def test_restricted_alert_with_addresses_and_altitude() -> None:
    alert = gempabumi_alert()
    alert.update(
        scope="Private",
        addresses=["bpbd-jatim", "Pusdalops BNPB"],
        restriction="",
    )
    alert["info"][0]["area"][0].update(altitude=0, ceiling=1500.5)
    document = cap.build_alert(alert)
    cap.validate(document)
    root = etree.fromstring(document)
    assert root.findtext("cap:addresses", namespaces=NS) == 'bpbd-jatim "Pusdalops BNPB"'
    area = root.find("cap:info/cap:area", NS)
    assert area.findtext("cap:altitude", namespaces=NS) == "0"
    assert area.findtext("cap:ceiling", namespaces=NS) == "1500.5"


def test_unknown_keys_are_rejected() -> None:
    alert = gempabumi_alert()
    alert["headline"] = "belongs in info"
    with pytest.raises(ValueError, match="headline"):
        cap.build_alert(alert)
    alert = gempabumi_alert()
    alert["info"][0]["area"][0]["geocodes"] = []
    with pytest.raises(ValueError, match="geocodes"):
        cap.build_alert(alert)


# --------------------------------------------------------------------------
# documents that do not validate


def assert_invalid(document: bytes, *fragments: str) -> list[str]:
    with pytest.raises(CapInvalid) as caught:
        cap.validate(document)
    errors = caught.value.errors
    assert errors and all(isinstance(e, str) and e for e in errors)
    for fragment in fragments:
        assert any(fragment in e for e in errors), (fragment, errors)
    return errors


def test_bad_status_is_invalid() -> None:
    alert = gempabumi_alert()
    alert["status"] = "Bogus"
    assert_invalid(cap.build_alert(alert), "status", "Bogus")


def test_missing_event_is_invalid() -> None:
    alert = gempabumi_alert()
    del alert["info"][1]["event"]
    assert_invalid(cap.build_alert(alert), "Expected is one of", "event")


def test_broken_element_order_is_invalid() -> None:
    root = etree.fromstring(cap.build_alert(gempabumi_alert()))
    scope = root.find("cap:scope", NS)
    root.remove(scope)
    root.insert(0, scope)  # scope before identifier
    errors = assert_invalid(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert any("scope" in e for e in errors)


def test_bad_times_are_invalid() -> None:
    for sent in ("2025-04-10T00:44:20Z", "2025-04-10T07:44:20.5+07:00", "2025-04-10 07:44:20"):
        alert = gempabumi_alert()
        alert["sent"] = sent
        assert_invalid(cap.build_alert(alert), "sent")


def test_missing_required_resource_mime_type_is_invalid() -> None:
    alert = gempabumi_alert()
    del alert["info"][0]["resource"][0]["mimeType"]
    assert_invalid(cap.build_alert(alert), "mimeType")


def test_wrong_namespace_and_garbage_are_invalid() -> None:
    document = cap.build_alert(gempabumi_alert()).replace(
        CAP_NS.encode(), b"urn:oasis:names:tc:emergency:cap:1.1"
    )
    assert_invalid(document)
    assert_invalid(b"<alert")
    assert_invalid(b"")


def test_entities_are_not_expanded() -> None:
    document = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier>'
        b"</alert>"
    )
    errors = assert_invalid(document, "DOCTYPE")
    assert not any("root:" in e for e in errors)


# --------------------------------------------------------------------------
# CAP times


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("31", "2025-04-10T07:44:20+07:00"),  # Jakarta, WIB
        ("31.71", "2025-04-10T07:44:20+07:00"),
        ("73", "2025-04-10T08:44:20+08:00"),  # Makassar, WITA
        ("73.71", "2025-04-10T08:44:20+08:00"),
        ("91", "2025-04-10T09:44:20+09:00"),  # Jayapura, WIT
        ("91.71", "2025-04-10T09:44:20+09:00"),
        (None, "2025-04-10T00:44:20-00:00"),  # no region: UTC as -00:00
    ],
)
def test_cap_datetime_offsets(region: str | None, expected: str) -> None:
    assert cap.cap_datetime(QUAKE_AT, region) == expected


def test_cap_datetime_converts_any_aware_time_and_drops_fractions() -> None:
    in_wita = datetime(2025, 4, 10, 8, 44, 20, 999_999, tzinfo=timezone(timedelta(hours=8)))
    assert cap.cap_datetime(in_wita, "35.07.01.2001") == "2025-04-10T07:44:20+07:00"
    assert cap.cap_datetime(in_wita) == "2025-04-10T00:44:20-00:00"
    # Crossing midnight moves the date too.
    late = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert cap.cap_datetime(late, "94") == "2026-01-01T01:30:00+09:00"


def test_cap_datetime_never_uses_z() -> None:
    for region in (None, "11", "51", "82"):
        text = cap.cap_datetime(QUAKE_AT, region)
        assert "Z" not in text and "." not in text
        assert cap._CAP_DATETIME_RE.match(text)


def test_cap_datetime_rejects_naive_and_unknown_regions() -> None:
    with pytest.raises(ValueError):
        cap.cap_datetime(datetime(2025, 4, 10, 7, 44, 20), "31")
    for bad in ("99", "20", "3", "", "ab.01", "31x"):
        with pytest.raises(ValueError):
            cap.cap_datetime(QUAKE_AT, bad)


# The 38 provinces of Kepmendagri 300.2.2-2138/2025 and their time zones.
WIB_PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
                 "31", "32", "33", "34", "35", "36", "61", "62"]  # fmt: skip
WITA_PROVINCES = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"]
WIT_PROVINCES = ["81", "82", "91", "92", "93", "94", "95", "96"]


def test_every_province_has_its_time_zone() -> None:
    assert len(WIB_PROVINCES + WITA_PROVINCES + WIT_PROVINCES) == 38
    for code in WIB_PROVINCES:
        assert cap.province_utc_offset(code) == timedelta(hours=7), code
    for code in WITA_PROVINCES:
        assert cap.province_utc_offset(code) == timedelta(hours=8), code
    for code in WIT_PROVINCES:
        assert cap.province_utc_offset(code) == timedelta(hours=9), code
    assert set(cap.PROVINCE_UTC_OFFSETS) == set(WIB_PROVINCES + WITA_PROVINCES + WIT_PROVINCES)


# --------------------------------------------------------------------------
# helpers


def test_valid_identifier() -> None:
    assert cap.valid_identifier("bmkg-gempa-20250410074420")
    assert cap.valid_identifier("inatews@bmkg.go.id")
    for bad in ("", "a b", "a,b", "a<b", "a&b", "tab\there", "nl\n", None, 12):
        assert not cap.valid_identifier(bad), bad


def test_cap_references() -> None:
    assert cap.cap_references(
        [
            ("inatews@bmkg.go.id", "a1", "2025-04-10T07:47:20+07:00"),
            ("inatews@bmkg.go.id", "a2", "2025-04-10T08:00:00+07:00"),
        ]
    ) == (
        "inatews@bmkg.go.id,a1,2025-04-10T07:47:20+07:00 "
        "inatews@bmkg.go.id,a2,2025-04-10T08:00:00+07:00"
    )
    for bad in (
        [],
        [("bad sender", "a1", "2025-04-10T07:47:20+07:00")],
        [("s", "a,1", "2025-04-10T07:47:20+07:00")],
        [("s", "a1", "2025-04-10T00:47:20Z")],
    ):
        with pytest.raises(ValueError):
            cap.cap_references(bad)


def test_polygon_to_cap() -> None:
    ring = [(-6.1, 106.7), (-6.1, 106.9), (-6.3, 106.9)]
    assert cap.polygon_to_cap(ring) == "-6.1,106.7 -6.1,106.9 -6.3,106.9 -6.1,106.7"
    closed = [*ring, ring[0]]
    assert cap.polygon_to_cap(closed) == cap.polygon_to_cap(ring)
    assert cap.polygon_to_cap([(0, 100.123456789), (1, 101), (1, 100)]).startswith("0,100.123457 ")
    for bad in ([], [(-6.1, 106.7), (-6.2, 106.8)], [(1, 1), (1, 1), (2, 2), (1, 1)]):
        with pytest.raises(ValueError):
            cap.polygon_to_cap(bad)
    with pytest.raises(ValueError):
        cap.polygon_to_cap([(91, 0), (0, 0), (0, 1)])
    with pytest.raises(ValueError):
        cap.polygon_to_cap([(0, 181), (0, 0), (1, 1)])


def test_circle_to_cap() -> None:
    assert cap.circle_to_cap(-8.62, 112.61, 100) == "-8.62,112.61 100"
    assert cap.circle_to_cap(-0.5, 117.15, 0) == "-0.5,117.15 0"
    assert cap.circle_to_cap(1e-7, 120, 2.5) == "0,120 2.5"
    for args in ((0, 0, -1), (0, 0, float("nan")), (100, 0, 1), (0, 0, True)):
        with pytest.raises(ValueError):
            cap.circle_to_cap(*args)


def test_inside_indonesia() -> None:
    assert cap.inside_indonesia(-6.2, 106.8)  # Jakarta
    assert cap.inside_indonesia(-5.14, 119.42)  # Makassar
    assert cap.inside_indonesia(-2.53, 140.72)  # Jayapura
    assert cap.inside_indonesia(5.89, 95.32)  # Sabang
    assert cap.inside_indonesia(-11.0, 122.0)  # Rote
    assert not cap.inside_indonesia(106.8, -6.2)  # swapped
    assert not cap.inside_indonesia(1.35, 94.0)  # west of Sumatra
    assert not cap.inside_indonesia(-6.2, 142.0)  # Papua New Guinea side
    assert not cap.inside_indonesia(13.75, 100.5)  # Bangkok
