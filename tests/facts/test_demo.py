"""The demo set: one published clarification per verdict, a draft in review, and public
bulletins (an active Alert, an Update, an expired one, an Exercise); loading twice adds nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hub.cap.xml import validate
from hub.demo import demo_agencies
from hub.facts.demo import demo_facts
from hub.facts.models import Bulletin, Claim, Clarification
from hub.facts.selectors import bulletin_feed, document_check

pytestmark = pytest.mark.django_db


def _counts():
    return (Claim.objects.count(), Clarification.objects.count(), Bulletin.objects.count())


def test_demo_facts_are_complete_and_idempotent():
    demo_agencies()
    demo_facts()
    first = _counts()
    demo_facts()
    assert _counts() == first
    published = Clarification.objects.filter(status="published")
    assert sorted(published.values_list("head__verdict_id", flat=True)) == sorted(
        [
            "hoaks",
            "disinformasi",
            "penipuan",
            "menyesatkan",
            "tidak_terbukti",
            "sebagian_benar",
            "satire",
            "fakta",
            "klarifikasi",
        ]
    )
    for item in published.select_related("head"):
        assert item.head.sources and item.claim.appearances.filter(is_first=True).exists()
        assert document_check({**item.head.document, "signature": item.head.signature}).authentic
    assert Clarification.objects.filter(status="in_review").count() == 1
    bulletins = {b.infos[0]["headline"]: b for b in Bulletin.objects.all()}
    for bulletin in bulletins.values():
        assert bulletin.status in ("published", "superseded")
        validate(bulletin.cap_xml.encode())
    active = {b.identifier for b in bulletin_feed({}, now=timezone.now())}
    by_kind = {
        (b.msg_type, b.cap_status, b.event, b.status): b.identifier for b in bulletins.values()
    }
    assert by_kind[("Alert", "Actual", "cuaca_ekstrem", "published")] in active
    assert by_kind[("Update", "Actual", "banjir", "published")] in active
    assert by_kind[("Alert", "Actual", "banjir", "superseded")] not in active
    assert by_kind[("Alert", "Actual", "kekeringan", "published")] not in active  # expired
    assert by_kind[("Alert", "Exercise", "tsunami", "published")] not in active
    update = Bulletin.objects.get(msg_type="Update")
    assert update.references == [by_kind[("Alert", "Actual", "banjir", "superseded")]]
    assert update.document["links"]["clarifications"], "links the old flood video clarification"
