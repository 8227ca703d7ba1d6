"""The demo data set `make run` loads: realistic agencies and their staff in every role.

Idempotent: running it again creates nothing that already exists. Later parts of
the hub (media, facts, contacts) add their demo content through `DEMO_STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from agencies import policy
from agencies.models import Agency, Membership
from agencies.services import agency_create
from hub.env import env

PLATFORM = policy.Principal(kind="user", label="demo", is_platform_admin=True)

AGENCIES = [
    {
        "slug": "komdigi",
        "name": "Kementerian Komunikasi dan Digital",
        "acronym": "Komdigi",
        "type": "kementerian",
        "official_domains": ["komdigi.go.id"],
        "website": "https://www.komdigi.go.id",
    },
    {
        "slug": "bnpb",
        "name": "Badan Nasional Penanggulangan Bencana",
        "acronym": "BNPB",
        "type": "lpnk",
        "official_domains": ["bnpb.go.id"],
        "website": "https://bnpb.go.id",
    },
    {
        "slug": "bmkg",
        "name": "Badan Meteorologi, Klimatologi, dan Geofisika",
        "acronym": "BMKG",
        "type": "lpnk",
        "official_domains": ["bmkg.go.id"],
        "website": "https://www.bmkg.go.id",
    },
    {
        "slug": "pemprov-jatim",
        "name": "Pemerintah Provinsi Jawa Timur",
        "acronym": "Pemprov Jatim",
        "type": "pemprov",
        "region": "35",
        "official_domains": ["jatimprov.go.id"],
        "website": "https://jatimprov.go.id",
        "identifiers": [{"scheme": "kemendagri", "value": "35"}],
    },
    {
        "slug": "pemkab-malang",
        "name": "Pemerintah Kabupaten Malang",
        "acronym": "Pemkab Malang",
        "type": "pemkab",
        "region": "35.07",
        "parent": "pemprov-jatim",
        "official_domains": ["malangkab.go.id"],
        "website": "https://www.malangkab.go.id",
        "identifiers": [{"scheme": "kemendagri", "value": "35.07"}],
    },
    {
        "slug": "bpbd-kab-malang",
        "name": "Badan Penanggulangan Bencana Daerah Kabupaten Malang",
        "acronym": "BPBD Kab. Malang",
        "type": "perangkat_daerah",
        "region": "35.07",
        "parent": "pemkab-malang",
        "official_domains": ["bpbd.malangkab.go.id"],
        "website": "https://bpbd.malangkab.go.id",
    },
]

DEMO_STEPS: list[Callable[[], None]] = []


def demo_password() -> str:
    return env("HUB_DEMO_PASSWORD", "simpul-demo-2026")


@transaction.atomic
def demo_agencies() -> list[Agency]:
    """Create the demo agencies and one staff user per role in each (username slug.role)."""
    users = get_user_model().objects
    created = []
    for data in AGENCIES:
        agency = Agency.objects.filter(slug=data["slug"]).first()
        if agency is None:
            agency = agency_create(principal=PLATFORM, data=data)
            created.append(agency)
        domain = data["official_domains"][0]
        for role in policy.ROLES:
            username = f"{data['slug']}.{role}"
            user = users.filter(username=username).first()
            if user is None:
                user = users.create_user(
                    username=username,
                    email=f"{role.replace('_', '.')}@{domain}",
                    password=demo_password(),
                    first_name=role.replace("_", " ").title(),
                    last_name=data["acronym"],
                )
            Membership.objects.get_or_create(user=user, agency=agency, role=role)
    return created


def demo_load() -> None:
    """Load the whole demo set: agencies and staff first, then every registered step."""
    demo_agencies()
    for step in DEMO_STEPS:
        step()
