"""Media references: screenshots and evidence point at media-store assets through the
policy (snapshotted with their type, size and digest) or at files kept elsewhere."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hub.errors import ValidationFailed
from hub.facts import services
from media_store.services import asset_upload_stream
from tests.facts.conftest import clarification_data, principal

pytestmark = pytest.mark.django_db


@pytest.fixture
def screenshot(settings, tmp_path, desk):
    settings.HUB_STORAGE = "local"
    settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    asset, _ = asset_upload_stream(
        principal=principal(desk.editor),
        agency=desk.agency,
        chunks=[buffer.getvalue()],
        filename="tangkapan-layar.png",
        data={"title": "Tangkapan layar pesan berantai", "license": "CC-BY-4.0"},
    )
    return asset


def test_screenshot_and_evidence_reference_assets(desk, make_claim, screenshot):
    claim = make_claim()
    appearance = services.claim_appearance_add(
        principal=principal(desk.editor),
        claim=claim,
        data={"url": "https://wa.me/status/123", "screenshot": {"asset": screenshot.pk}},
    )
    assert appearance.platform == "whatsapp"
    assert appearance.screenshot_asset_id == screenshot.pk
    assert appearance.screenshot["sha256"] == screenshot.sha256
    assert appearance.screenshot["mime"] == "image/png"
    item = services.clarification_create(
        principal=principal(desk.editor),
        agency=desk.agency,
        data=clarification_data(
            claim.pk,
            evidence=[{"asset": screenshot.pk, "description": "Pesan yang beredar"}],
        ),
    )
    evidence = item.head.evidence[0]
    assert evidence["asset"] == screenshot.pk and evidence["size"] == screenshot.size
    assert evidence["url"].endswith(f"/api/v1/media/{screenshot.pk}/")


def test_unknown_or_invisible_assets_are_refused(
    desk, make_claim, make_agency, make_user, screenshot
):
    claim = make_claim()
    other = make_agency()
    stranger = make_user(other, "editor")
    foreign_claim = services.claim_create(
        principal=principal(stranger),
        agency=other,
        data={"text": "Klaim lain", "summary": "Klaim lain"},
    )
    # The asset is not released to other agencies: for them it does not exist.
    with pytest.raises(ValidationFailed) as caught:
        services.claim_appearance_add(
            principal=principal(stranger),
            claim=foreign_claim,
            data={"url": "https://x.com/a/status/1", "screenshot": {"asset": screenshot.pk}},
        )
    assert caught.value.errors[0].code == "unknown_asset"
    with pytest.raises(ValidationFailed) as caught:
        services.claim_appearance_add(
            principal=principal(desk.editor),
            claim=claim,
            data={"url": "https://x.com/a/status/2", "screenshot": {"asset": 999999}},
        )
    assert caught.value.errors[0].code == "unknown_asset"


def test_external_media_references(desk, make_claim):
    appearance = services.claim_appearance_add(
        principal=principal(desk.editor),
        claim=make_claim(),
        data={
            "url": "https://www.facebook.com/a/posts/1",
            "screenshot": {
                "url": "https://arsip.komdigi.go.id/tangkapan/1.png",
                "mime": "image/png",
                "size": 1234,
                "digest": "b" * 40,
            },
        },
    )
    assert appearance.screenshot_asset_id is None
    assert appearance.screenshot["digest"] == "b" * 40
