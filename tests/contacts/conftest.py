"""Fixtures of the contact-directory tests: a small regional world built through the services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agencies import policy
from agencies.contacts.services import contact_create, office_create, person_create, post_create
from hub.models import AuditEntry, ChangeEvent

PLATFORM = policy.Principal(kind="user", label="test", is_platform_admin=True)


def as_principal(user) -> policy.Principal:
    return policy.principal_for_user(user)


def trail() -> tuple[int, int]:
    """How many audit entries and change events exist (to prove nothing was written)."""
    return AuditEntry.objects.count(), ChangeEvent.objects.count()


@dataclass
class World:
    """Two agencies of Kabupaten Malang and one national agency, with staff and contacts.

    ``bpbd`` owns a public hotline, an internal line, a contact shared between
    agencies and a personal number of its head; ``pemkab`` is its parent;
    ``other`` is an unrelated national agency.
    """

    pemkab: object
    bpbd: object
    other: object
    bpbd_editor: object
    bpbd_viewer: object
    other_editor: object
    office: object
    head: object
    ppid: object
    dpo: object
    kalaksa: object
    hotline: object
    internal: object
    shared: object
    personal: object
    ppid_email: object


@pytest.fixture
def world(make_agency, make_user) -> World:
    pemkab = make_agency(
        "pemkab-uji",
        name="Pemerintah Kabupaten Uji",
        type="pemkab",
        region="35.07",
        official_domains=["malangkab.go.id"],
    )
    bpbd = make_agency(
        "bpbd-uji",
        name="BPBD Kabupaten Uji",
        acronym="BPBD Uji",
        type="perangkat_daerah",
        region="35.07",
        parent="pemkab-uji",
        official_domains=["bpbd.malangkab.go.id"],
    )
    other = make_agency("lain-uji", name="Badan Lain", type="lpnk", official_domains=["lain.go.id"])
    editor = make_user(bpbd, "editor")
    principal = as_principal(editor)
    office = office_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "kantor",
            "name": "Kantor BPBD Uji",
            "address": "Jl. Trunojoyo Kav. 4, Kepanjen",
            "postal_code": "65163",
            "region": "35.07.13",
            "latitude": -8.1312,
            "longitude": 112.5694,
            "opening_hours": "Mo-Fr 07:30-16:00",
        },
    )
    kalaksa = person_create(
        principal=principal, agency=bpbd, data={"name": "Budi Hartono", "honorific": "Ir."}
    )
    head = post_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "kalaksa",
            "label": "Kepala Pelaksana BPBD",
            "role": "head",
            "holder": kalaksa.pk,
        },
    )
    ppid = post_create(
        principal=principal,
        agency=bpbd,
        data={"external_id": "ppid", "label": "PPID Pelaksana", "role": "ppid"},
    )
    dpo = post_create(
        principal=principal,
        agency=bpbd,
        data={"external_id": "dpo", "label": "Pejabat PDP", "role": "dpo"},
    )
    hotline = contact_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "hotline",
            "office": office.pk,
            "channel": "voice",
            "value": "(0341) 393008",
            "purpose": "emergency",
            "label": "Pusdalops",
            "availability": "24/7",
        },
    )
    internal = contact_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "internal",
            "channel": "voice",
            "value": "(0341) 393010",
            "visibility": "internal",
            "label": "Saluran internal",
        },
    )
    shared = contact_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "shared",
            "channel": "voice",
            "value": "(0341) 393011",
            "visibility": "agencies",
            "label": "Koordinasi antarinstansi",
        },
    )
    personal = contact_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "personal",
            "post": head.pk,
            "channel": "mobile",
            "value": "0812-3300-4455",
            "visibility": "internal",
            "is_personal": True,
            "legal_basis": "legitimate_interest",
            "personal_purpose": "Koordinasi darurat di luar jam kerja",
        },
    )
    ppid_email = contact_create(
        principal=principal,
        agency=bpbd,
        data={
            "external_id": "ppid-email",
            "post": ppid.pk,
            "channel": "email",
            "value": "ppid@bpbd.malangkab.go.id",
            "purpose": "ppid",
        },
    )
    return World(
        pemkab=pemkab,
        bpbd=bpbd,
        other=other,
        bpbd_editor=editor,
        bpbd_viewer=make_user(bpbd, "viewer"),
        other_editor=make_user(other, "editor"),
        office=office,
        head=head,
        ppid=ppid,
        dpo=dpo,
        kalaksa=kalaksa,
        hotline=hotline,
        internal=internal,
        shared=shared,
        personal=personal,
        ppid_email=ppid_email,
    )
