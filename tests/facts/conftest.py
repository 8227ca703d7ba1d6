"""Fixtures for verified facts and bulletins: agencies, staff in every role, and builders
that create content through the real services (draft → review → approval → publication)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies import policy
from hub.facts import services

_seq = itertools.count(1)


def principal(user) -> policy.Principal:
    return policy.principal_for_user(user)


@pytest.fixture
def desk(make_agency, make_user):
    """A fact-checking agency with an editor, two verifiers and a viewer."""
    agency = make_agency(
        f"komdigi-{next(_seq)}",
        name="Kementerian Komunikasi dan Digital",
        acronym="Komdigi",
        type="kementerian",
        website="https://www.komdigi.go.id",
        official_domains=["komdigi.go.id"],
    )

    class Desk:
        pass

    desk = Desk()
    desk.agency = agency
    desk.editor = make_user(agency, "editor")
    desk.verifier = make_user(agency, "verifier")
    desk.verifier2 = make_user(agency, "verifier")
    desk.editor_verifier = make_user(agency, "editor", "verifier")
    desk.viewer = make_user(agency, "viewer")
    return desk


@pytest.fixture
def bpbd(make_agency, make_user):
    """A regency disaster agency (BPBD Kabupaten Malang) with an editor and a verifier."""
    slug = f"bpbd-malang-{next(_seq)}"
    agency = make_agency(
        slug,
        name="BPBD Kabupaten Malang",
        acronym="BPBD Kab. Malang",
        type="perangkat_daerah",
        region="35.07",
        website="https://bpbd.malangkab.go.id",
        official_domains=["bpbd.malangkab.go.id"],
    )

    class Office:
        pass

    office = Office()
    office.agency = agency
    office.editor = make_user(agency, "editor")
    office.verifier = make_user(agency, "verifier")
    return office


def claim_data(**overrides) -> dict:
    n = next(_seq)
    data = {
        "text": (
            "Beredar pesan berantai di WhatsApp yang menyebut pemerintah mengumumkan "
            f"pembagian bantuan tunai Rp 5 juta bagi semua pemilik KTP (pesan {n})."
        ),
        "summary": "Pemerintah membagikan bantuan tunai Rp 5 juta untuk pemilik KTP",
        "claimant": "Pesan berantai WhatsApp",
        "first_seen": "2025-03-01T08:00:00+07:00",
        "topics": ["bansos"],
        "regions": ["35.07"],
        "appearances": [
            {
                "url": f"https://www.facebook.com/groups/infowarga/posts/{n}/?fbclid=abc",
                "posted_at": "2025-03-01T08:00:00+07:00",
                "is_first": True,
            },
            {"url": f"https://x.com/akunpalsu/status/{n}?s=20", "platform": "x"},
        ],
    }
    data.update(overrides)
    return data


def clarification_data(claim_id: int, **overrides) -> dict:
    data = {
        "claim": claim_id,
        "title": "Pesan bantuan tunai Rp 5 juta untuk pemilik KTP",
        "verdict": "hoaks",
        "misinformation_type": "fabricated",
        "rating_explanation": "Tidak ada program bantuan tunai seperti yang disebut.",
        "body": (
            "Kementerian Sosial menegaskan tidak pernah mengumumkan program bantuan tunai "
            "Rp 5 juta untuk semua pemilik KTP. Penyaluran bantuan sosial hanya melalui "
            "Data Terpadu Kesejahteraan Sosial."
        ),
        "conclusion": "Pesan tersebut hoaks. Jangan membagikan data pribadi melalui tautan itu.",
        "sources": [
            {"name": "Siaran pers Kemensos", "url": "https://kemensos.go.id/siaran-pers/1"}
        ],
        "references": [{"url": "https://cekbansos.kemensos.go.id", "title": "Cek Bansos"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_claim(desk):
    def make(agency=None, user=None, **overrides):
        return services.claim_create(
            principal=principal(user or desk.editor),
            agency=agency or desk.agency,
            data=claim_data(**overrides),
        )

    return make


@pytest.fixture
def make_clarification(desk, make_claim):
    """A clarification moved through the real workflow up to `until` (default published)."""

    def make(until: str = "published", claim=None, **overrides):
        claim = claim or make_claim()
        editor, verifier = principal(desk.editor), principal(desk.verifier)
        item = services.clarification_create(
            principal=editor, agency=desk.agency, data=clarification_data(claim.pk, **overrides)
        )
        steps = [
            (
                "in_review",
                lambda c: services.clarification_submit(principal=editor, clarification=c),
            ),
            (
                "approved",
                lambda c: services.clarification_approve(principal=verifier, clarification=c),
            ),
            (
                "published",
                lambda c: services.clarification_publish(principal=verifier, clarification=c),
            ),
        ]
        for state, step in steps:
            if until == "draft":
                break
            item = step(item)
            if state == until:
                break
        item.refresh_from_db()
        return item

    return make


def bulletin_data(**overrides) -> dict:
    now = timezone.now()
    data = {
        "event": "banjir",
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "response_types": ["Evacuate", "Monitor"],
        "effective": (now - timedelta(hours=1)).isoformat(),
        "onset": (now - timedelta(hours=1)).isoformat(),
        "expires": (now + timedelta(days=2)).isoformat(),
        "web": "https://bpbd.malangkab.go.id/peringatan",
        "infos": [
            {
                "language": "id-ID",
                "headline": "Banjir di Kecamatan Dampit, warga bantaran sungai diminta mengungsi",
                "description": (
                    "Hujan deras sejak sore membuat Sungai Lesti meluap. Air setinggi 50–100 cm "
                    "menggenangi permukiman di Kecamatan Dampit."
                ),
                "instruction": "Warga bantaran Sungai Lesti segera mengungsi ke balai desa.",
            },
            {
                "language": "en-US",
                "headline": "Flooding in Dampit district, riverside residents told to evacuate",
                "description": "Heavy rain caused the Lesti river to overflow in Dampit.",
                "instruction": "Residents along the Lesti river must evacuate to the village hall.",
            },
        ],
        "areas": [
            {
                "area_desc": "Kecamatan Dampit, Kabupaten Malang",
                "region": "35.07.07",
                "polygons": [[[-8.17, 112.70], [-8.17, 112.82], [-8.30, 112.82], [-8.30, 112.70]]],
                "circles": [{"lat": -8.21, "lon": 112.75, "radius_km": 5}],
            }
        ],
        "resources": [
            {
                "description": "Peta genangan",
                "url": "https://bpbd.malangkab.go.id/peta/genangan.png",
                "mime": "image/png",
                "size": 20480,
                "digest": "a" * 40,
            }
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_bulletin(bpbd):
    """A bulletin moved through the real workflow up to `until` (default published)."""

    def make(until: str = "published", **overrides):
        editor, verifier = principal(bpbd.editor), principal(bpbd.verifier)
        item = services.bulletin_create(
            principal=editor, agency=bpbd.agency, data=bulletin_data(**overrides)
        )
        return advance(item, until, editor, verifier)

    return make


def advance(bulletin, until, editor, verifier):
    steps = [
        ("in_review", lambda b: services.bulletin_submit(principal=editor, bulletin=b)),
        ("approved", lambda b: services.bulletin_approve(principal=verifier, bulletin=b)),
        ("published", lambda b: services.bulletin_publish(principal=verifier, bulletin=b)),
    ]
    for state, step in steps:
        if until == "draft":
            break
        bulletin = step(bulletin)
        if state == until:
            break
    bulletin.refresh_from_db()
    return bulletin
