"""Demo contact directory for the demo agencies (a ``hub.demo`` step).

Every agency gets an office, its PPID and humas posts and public contacts;
BNPB its 117 call centre, BPBD Kab. Malang its Pusdalops hotlines. There is
also one contact shared only between agencies, one internal, one personal and
one stale. Idempotent: offices, posts and contacts are keyed by external id
and contacts go through the import upsert, so a second run writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agencies import policy
from agencies.contacts.models import Office, Person, Post
from agencies.contacts.services import (
    contacts_import,
    office_create,
    person_create,
    post_create,
    post_update,
)
from agencies.models import Agency

DEMO = policy.Principal(kind="user", label="demo", is_platform_admin=True)

OFFICES = {
    "komdigi": {
        "external_id": "kantor-pusat",
        "name": "Kantor Pusat Kementerian Komunikasi dan Digital",
        "address": "Jl. Medan Merdeka Barat No. 9, Gambir, Jakarta Pusat",
        "postal_code": "10110",
        "region": "31.71.01",
        "latitude": "-6.176600",
        "longitude": "106.822700",
        "opening_hours": "Mo-Fr 08:00-16:00",
    },
    "bnpb": {
        "external_id": "graha-bnpb",
        "name": "Graha BNPB",
        "address": "Jl. Pramuka Kav. 38, Matraman, Jakarta Timur",
        "postal_code": "13120",
        "region": "31.75.01",
        "latitude": "-6.193500",
        "longitude": "106.869100",
        "opening_hours": "Mo-Fr 07:30-16:00",
    },
    "bmkg": {
        "external_id": "kantor-pusat",
        "name": "Kantor Pusat BMKG",
        "address": "Jl. Angkasa I No. 2, Kemayoran, Jakarta Pusat",
        "postal_code": "10610",
        "region": "31.71.03",
        "opening_hours": "Mo-Fr 08:00-16:00",
    },
    "pemprov-jatim": {
        "external_id": "kantor-gubernur",
        "name": "Kantor Gubernur Jawa Timur",
        "address": "Jl. Pahlawan No. 110, Bubutan, Surabaya",
        "postal_code": "60174",
        "region": "35.78.13",
        "opening_hours": "Mo-Fr 07:30-16:00",
    },
    "pemkab-malang": {
        "external_id": "kantor-bupati",
        "name": "Kantor Bupati Malang",
        "address": "Jl. Panji No. 158, Kepanjen, Kabupaten Malang",
        "postal_code": "65163",
        "region": "35.07.13",
        "latitude": "-8.129900",
        "longitude": "112.572100",
        "opening_hours": "Mo-Fr 07:30-16:00",
    },
    "bpbd-kab-malang": {
        "external_id": "kantor-bpbd",
        "name": "Kantor BPBD Kabupaten Malang",
        "address": "Jl. Trunojoyo Kav. 4, Kepanjen, Kabupaten Malang",
        "postal_code": "65163",
        "region": "35.07.13",
        "latitude": "-8.131200",
        "longitude": "112.569400",
        "opening_hours": "24/7",
    },
}

# (agency, external id, label, role)
POSTS = [
    ("komdigi", "ppid", "PPID Utama", "ppid"),
    ("komdigi", "humas", "Biro Hubungan Masyarakat", "humas"),
    ("komdigi", "dpo", "Pejabat Pelindungan Data Pribadi", "dpo"),
    ("bnpb", "ppid", "PPID Utama", "ppid"),
    ("bnpb", "humas", "Pusat Data, Informasi dan Komunikasi Kebencanaan", "humas"),
    ("bnpb", "pusdalops", "Pusdalops BNPB", "pusdalops"),
    ("bnpb", "dpo", "Pejabat Pelindungan Data Pribadi", "dpo"),
    ("bmkg", "ppid", "PPID Utama", "ppid"),
    ("bmkg", "humas", "Biro Hukum, Hubungan Masyarakat dan Kerja Sama", "humas"),
    ("pemprov-jatim", "ppid", "PPID Utama Provinsi Jawa Timur", "ppid"),
    ("pemprov-jatim", "humas", "Biro Administrasi Pimpinan", "humas"),
    ("pemkab-malang", "ppid", "PPID Utama Kabupaten Malang", "ppid"),
    ("pemkab-malang", "humas", "Bagian Protokol dan Komunikasi Pimpinan", "humas"),
    ("bpbd-kab-malang", "kalaksa", "Kepala Pelaksana BPBD", "head"),
    ("bpbd-kab-malang", "ppid", "PPID Pelaksana BPBD", "ppid"),
    ("bpbd-kab-malang", "humas", "Humas BPBD", "humas"),
    ("bpbd-kab-malang", "pusdalops", "Pusdalops BPBD Kabupaten Malang", "pusdalops"),
]

# (agency, post external id, name, honorific, consent to publication)
PERSONS = [
    ("bnpb", "ppid", "Rina Wulandari", "Dr.", True),
    ("bpbd-kab-malang", "kalaksa", "Budi Hartono", "Ir.", False),
]

# agency -> contact rows (office/post by external id)
CONTACTS: dict[str, list[dict[str, Any]]] = {
    "komdigi": [
        {
            "external_id": "telp-kantor",
            "office": "kantor-pusat",
            "channel": "voice",
            "value": "(021) 3452841",
            "label": "Telepon kantor pusat",
        },
        {"external_id": "web", "channel": "website", "value": "https://www.komdigi.go.id"},
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@komdigi.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-email",
            "post": "humas",
            "channel": "email",
            "value": "humas@komdigi.go.id",
            "purpose": "media",
        },
        {
            "external_id": "dpo-email",
            "post": "dpo",
            "channel": "email",
            "value": "pdp@komdigi.go.id",
            "label": "Pelindungan data pribadi",
        },
        {
            "external_id": "aduan-konten",
            "channel": "website",
            "value": "https://aduankonten.id",
            "purpose": "pengaduan",
            "label": "Aduan konten negatif",
        },
        {"external_id": "x", "channel": "x", "value": "@komdigi", "purpose": "media"},
    ],
    "bnpb": [
        {
            "external_id": "call-center-117",
            "channel": "voice",
            "value": "117",
            "purpose": "emergency",
            "label": "Call Center BNPB 117",
            "availability": "24/7",
        },
        {
            "external_id": "pusdalops-telp",
            "post": "pusdalops",
            "channel": "voice",
            "value": "(021) 29827444",
            "purpose": "hotline",
            "availability": "24/7",
        },
        {
            "external_id": "pusdalops-wa",
            "post": "pusdalops",
            "channel": "whatsapp",
            "value": "0811-1040-117",
            "purpose": "hotline",
            "availability": "24/7",
        },
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@bnpb.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-email",
            "post": "humas",
            "channel": "email",
            "value": "humas@bnpb.go.id",
            "purpose": "media",
        },
        {
            "external_id": "koordinasi-antarinstansi",
            "post": "pusdalops",
            "channel": "voice",
            "value": "(021) 21281200",
            "purpose": "hotline",
            "visibility": "agencies",
            "label": "Jalur koordinasi antarinstansi",
            "availability": "24/7",
        },
        {"external_id": "web", "channel": "website", "value": "https://bnpb.go.id"},
    ],
    "bmkg": [
        {
            "external_id": "telp-kantor",
            "office": "kantor-pusat",
            "channel": "voice",
            "value": "(021) 4246321",
        },
        {"external_id": "web", "channel": "website", "value": "https://www.bmkg.go.id"},
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@bmkg.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-email",
            "post": "humas",
            "channel": "email",
            "value": "humas@bmkg.go.id",
            "purpose": "media",
        },
    ],
    "pemprov-jatim": [
        {
            "external_id": "telp-kantor",
            "office": "kantor-gubernur",
            "channel": "voice",
            "value": "(031) 3524001",
        },
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@jatimprov.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-email",
            "post": "humas",
            "channel": "email",
            "value": "humas@jatimprov.go.id",
            "purpose": "media",
        },
    ],
    "pemkab-malang": [
        {
            "external_id": "telp-kantor",
            "office": "kantor-bupati",
            "channel": "voice",
            "value": "(0341) 392685",
        },
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@malangkab.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-email",
            "post": "humas",
            "channel": "email",
            "value": "humas@malangkab.go.id",
            "purpose": "media",
        },
    ],
    "bpbd-kab-malang": [
        {
            "external_id": "pusdalops-telp",
            "post": "pusdalops",
            "channel": "voice",
            "value": "(0341) 393008",
            "purpose": "emergency",
            "availability": "24/7",
            "label": "Pusdalops BPBD Kab. Malang",
        },
        {
            "external_id": "pusdalops-wa",
            "post": "pusdalops",
            "channel": "whatsapp",
            "value": "0813-3490-0112",
            "purpose": "hotline",
            "availability": "24/7",
            "label": "WhatsApp Pusdalops",
        },
        {
            "external_id": "kantor-telp",
            "office": "kantor-bpbd",
            "channel": "voice",
            "value": "(0341) 391677",
            "label": "Telepon kantor",
            "availability": "Mo-Fr 07:30-16:00",
        },
        {
            "external_id": "ppid-email",
            "post": "ppid",
            "channel": "email",
            "value": "ppid@bpbd.malangkab.go.id",
            "purpose": "ppid",
        },
        {
            "external_id": "humas-ig",
            "post": "humas",
            "channel": "instagram",
            "value": "https://www.instagram.com/bpbdkabmalang/",
            "purpose": "media",
        },
        {
            "external_id": "radio-internal",
            "post": "pusdalops",
            "channel": "voice",
            "value": "(0341) 393010",
            "visibility": "internal",
            "label": "Saluran internal posko (petugas jaga)",
        },
        {
            "external_id": "kalaksa-pribadi",
            "post": "kalaksa",
            "channel": "mobile",
            "value": "0812-3300-4455",
            "visibility": "internal",
            "is_personal": True,
            "legal_basis": "legitimate_interest",
            "personal_purpose": "Koordinasi tanggap darurat di luar jam kerja",
            "label": "Nomor pribadi Kalaksa",
        },
        {
            "external_id": "faks-lama",
            "office": "kantor-bpbd",
            "channel": "fax",
            "value": "(0341) 393009",
            "label": "Faksimile",
            "last_verified_at": "2024-03-01T09:00:00+07:00",
        },
    ],
}


@transaction.atomic
def demo_contacts() -> None:
    """Load the demo directory; a second run changes nothing."""
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in=list(OFFICES))}
    offices: dict[tuple[str, str], Office] = {}
    for slug, data in OFFICES.items():
        agency = agencies.get(slug)
        if agency is None:
            continue
        office = Office.objects.filter(agency=agency, external_id=data["external_id"]).first()
        offices[(slug, data["external_id"])] = office or office_create(
            principal=DEMO, agency=agency, data=data
        )
    posts: dict[tuple[str, str], Post] = {}
    for slug, external_id, label, role in POSTS:
        if slug not in agencies:
            continue
        post = Post.objects.filter(agency=agencies[slug], external_id=external_id).first()
        posts[(slug, external_id)] = post or post_create(
            principal=DEMO,
            agency=agencies[slug],
            data={"external_id": external_id, "label": label, "role": role},
        )
    for slug, post_id, name, honorific, consent in PERSONS:
        if slug not in agencies:
            continue
        post = posts[(slug, post_id)]
        if post.holder_id is None:
            person = Person.objects.filter(agency=agencies[slug], name=name).first()
            if person is None:
                person = person_create(
                    principal=DEMO,
                    agency=agencies[slug],
                    data={"name": name, "honorific": honorific, "consent": consent},
                )
            post_update(principal=DEMO, post=post, data={"holder": person.pk})
    for slug, rows in CONTACTS.items():
        if slug not in agencies:
            continue
        prepared = []
        for number, row in enumerate(rows, start=2):
            data = dict(row)
            if "office" in data:
                data["office"] = offices[(slug, data["office"])].pk
            if "post" in data:
                data["post"] = posts[(slug, data["post"])].pk
            prepared.append((number, data))
        contacts_import(principal=DEMO, agency=agencies[slug], rows=prepared, dry_run=False)
