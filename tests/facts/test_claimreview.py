"""schema.org ClaimReview export: every required and recommended field, for every verdict."""

from __future__ import annotations

import pytest

from hub.facts.documents import claimreview_jsonld
from hub.facts.models import Verdict

pytestmark = pytest.mark.django_db

VERDICTS = [
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


def test_vocabulary_is_seeded_with_stable_codes():
    rows = {v.code: v for v in Verdict.objects.all()}
    assert list(rows) == VERDICTS  # ordered by position
    assert rows["hoaks"].title_prefix == "[HOAKS]" and rows["hoaks"].rating == 1
    assert rows["fakta"].rating == 5 and rows["fakta"].alternate_name_en == "True"
    assert rows["tidak_terbukti"].title_prefix == "[TIDAK TERBUKTI]"
    assert rows["klarifikasi"].is_rating is False
    assert all(1 <= v.rating <= 5 and v.label and v.label_en for v in rows.values())


@pytest.mark.parametrize("code", VERDICTS)
def test_claimreview_carries_required_and_recommended_fields(desk, make_clarification, code):
    item = make_clarification(verdict=code)
    verdict = Verdict.objects.get(code=code)
    review = claimreview_jsonld(item.head.document)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"].endswith(f"/api/v1/clarifications/{item.pk}/")
    assert review["claimReviewed"] == item.claim.summary
    assert review["name"] == f"{verdict.title_prefix} {item.head.title}"
    assert review["inLanguage"] == "id"
    assert review["datePublished"] and review["dateModified"]
    assert review["reviewBody"] == item.head.conclusion
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": verdict.rating,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": verdict.alternate_name,
        "ratingExplanation": item.head.rating_explanation,
    }
    assert review["author"] == {
        "@type": "GovernmentOrganization",
        "name": "Kementerian Komunikasi dan Digital",
        "alternateName": "Komdigi",
        "url": "https://www.komdigi.go.id",
    }
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["datePublished"] == "2025-03-01T01:00:00+00:00"
    assert claim["author"] == {"@type": "Organization", "name": "Pesan berantai WhatsApp"}
    urls = [a["url"] for a in claim["appearance"]]
    assert len(urls) == 2 and all(a["@type"] == "CreativeWork" for a in claim["appearance"])
    assert claim["firstAppearance"]["url"].startswith("https://www.facebook.com/groups/")
    assert claim["firstAppearance"]["datePublished"] == "2025-03-01T01:00:00+00:00"
    assert review["citation"][0]["url"] == "https://kemensos.go.id/siaran-pers/1"


def test_claimreview_of_an_english_clarification_uses_english_rating(desk, make_clarification):
    item = make_clarification(verdict="menyesatkan", language="en")
    review = claimreview_jsonld(item.head.document)
    assert review["inLanguage"] == "en"
    assert review["reviewRating"]["alternateName"] == "Misleading"
