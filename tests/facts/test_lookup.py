"""Claims and their appearances: URL normalisation, lookup by link, summary warnings."""

from __future__ import annotations

import pytest

from agencies import policy
from hub.errors import Conflict, ValidationFailed
from hub.facts import services
from hub.facts.selectors import claim_lookup
from hub.facts.urlnorm import InvalidUrl, normalize_url
from tests.facts.conftest import claim_data, principal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            "HTTPS://WWW.Facebook.com/groups/1/posts/2/?utm_source=wa&fbclid=IwAR0",
            "https://facebook.com/groups/1/posts/2",
        ),
        ("http://facebook.com/groups/1/posts/2", "https://facebook.com/groups/1/posts/2"),
        (
            "https://m.facebook.com/groups/1/posts/2/#comments",
            "https://facebook.com/groups/1/posts/2",
        ),
        ("https://twitter.com/a/status/9?s=20&t=abc", "https://x.com/a/status/9"),
        ("https://youtu.be/dQw4w9WgXcQ?si=xyz", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42&si=abc",
            "https://youtube.com/watch?t=42&v=dQw4w9WgXcQ",
        ),
        (
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&pp=ygUFYmFuamly",
            "https://youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("https://www.instagram.com/p/Cx1/?igshid=MzRl", "https://instagram.com/p/Cx1"),
        (
            "https://news.example.go.id:443/berita?id=7&gclid=x",
            "https://news.example.go.id/berita?id=7",
        ),
        ("https://news.example.go.id:8443/a/", "https://news.example.go.id:8443/a"),
        ("https://example.com/", "https://example.com"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "facebook.com/x", "ftp://files.go.id/a", "https://", "mailto:a@b"]
)
def test_normalize_url_rejects_non_links(raw):
    with pytest.raises(InvalidUrl):
        normalize_url(raw)


def test_lookup_finds_clarified_link_despite_decorations(desk, make_claim, make_clarification):
    claim = make_claim()
    item = make_clarification(claim=claim)
    link = claim.appearances.get(is_first=True).url
    decorated = link.replace("https://www.", "http://WWW.").replace(
        "?fbclid=abc", "?utm_medium=social"
    )
    result = claim_lookup(policy.ANONYMOUS, decorated)
    assert result["clarified"] is True
    assert result["normalized_url"] == normalize_url(link)
    [found] = result["claims"]
    assert found["id"] == claim.pk
    assert found["clarifications"][0]["id"] == item.pk
    assert found["clarifications"][0]["headline"].startswith("[HOAKS]")
    unknown = claim_lookup(policy.ANONYMOUS, "https://facebook.com/tidak/ada")
    assert unknown == {
        "url": "https://facebook.com/tidak/ada",
        "normalized_url": "https://facebook.com/tidak/ada",
        "clarified": False,
        "claims": [],
    }
    with pytest.raises(ValidationFailed):
        claim_lookup(policy.ANONYMOUS, "bukan tautan")


def test_lookup_hides_unpublished_claims(desk, make_claim, make_agency, make_user):
    claim = make_claim()
    link = claim.appearances.first().url
    assert claim_lookup(policy.ANONYMOUS, link)["claims"] == []
    outsider = principal(make_user(make_agency(), "viewer"))
    assert claim_lookup(outsider, link)["claims"] == []
    own = claim_lookup(principal(desk.viewer), link)
    assert [c["id"] for c in own["claims"]] == [claim.pk] and own["clarified"] is False


def test_appearances_platforms_and_first_flag(desk, make_claim):
    claim = make_claim()
    platforms = dict(claim.appearances.values_list("is_first", "platform"))
    assert platforms == {True: "facebook", False: "x"}
    editor = principal(desk.editor)
    services.claim_appearance_add(
        principal=editor,
        claim=claim,
        data={
            "url": "https://t.me/kanalhoaks/12",
            "is_first": True,
            "posted_at": "2025-02-28T07:00:00+07:00",
        },
    )
    assert claim.appearances.get(is_first=True).platform == "telegram"
    assert claim.appearances.filter(is_first=True).count() == 1
    with pytest.raises(Conflict) as caught:
        services.claim_appearance_add(
            principal=editor, claim=claim, data={"url": "https://t.me/kanalhoaks/12/?utm_source=x"}
        )
    assert caught.value.code == "appearance_exists"


def test_summary_rules(desk):
    editor = principal(desk.editor)
    with pytest.raises(ValidationFailed) as caught:
        services.claim_create(
            principal=editor, agency=desk.agency, data=claim_data(summary="x" * 76)
        )
    assert {(e.field, e.code) for e in caught.value.errors} == {("summary", "too_long")}
    claim = services.claim_create(
        principal=editor, agency=desk.agency, data=claim_data(summary="Hoaks: vaksin berisi chip")
    )
    assert [w["code"] for w in claim.warnings] == ["summary_contains_verdict"]
    assert "hoaks" in claim.warnings[0]["message"]
    clean = services.claim_create(
        principal=editor, agency=desk.agency, data=claim_data(summary="Vaksin berisi chip pelacak")
    )
    assert clean.warnings == []
    claim = services.claim_update(
        principal=editor, claim=claim, data={"summary": "Vaksin berisi chip"}
    )
    assert claim.warnings == [] and claim.version == 2


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"regions": ["99.99"]}, "regions", "unknown_region"),
        ({"topics": ["Bansos Tunai"]}, "topics", "invalid_topic"),
        ({"language": "bahasa indonesia"}, "language", "invalid_language"),
        ({"first_seen": "2025-03-01"}, "first_seen", "invalid_datetime"),
        ({"text": ""}, "text", "required"),
    ],
)
def test_invalid_claims_are_refused(desk, overrides, field, code):
    with pytest.raises(ValidationFailed) as caught:
        services.claim_create(
            principal=principal(desk.editor), agency=desk.agency, data=claim_data(**overrides)
        )
    assert (field, code) in {(e.field, e.code) for e in caught.value.errors}
