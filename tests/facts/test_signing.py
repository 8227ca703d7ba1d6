"""Signed content: published versions verify, altered copies fail, rotation keeps old
signatures verifiable, revocation does not; the `verify` and `signing-rotate` commands."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from hub.facts import keys, services
from hub.facts.models import SigningKey
from hub.facts.selectors import document_check
from tests.facts.conftest import principal

pytestmark = pytest.mark.django_db


def _signed(item) -> dict:
    item.refresh_from_db()
    return {**item.head.document, "signature": item.head.signature}


def test_signed_clarification_verifies_and_says_which_version(make_clarification):
    item = make_clarification()
    result = document_check(_signed(item))
    assert result.authentic and result.type == "clarification" and result.id == item.pk
    assert result.version == 1 and result.is_latest and result.current_status == "published"
    detached = {"document": item.head.document, "signature": item.head.signature}
    assert document_check(detached).authentic
    # Key order and whitespace do not matter (RFC 8785).
    text = json.dumps(_signed(item), indent=4, sort_keys=True, ensure_ascii=True)
    assert document_check(json.loads(text)).authentic


def test_one_changed_character_fails(make_clarification):
    item = make_clarification()
    text = json.dumps(_signed(item), ensure_ascii=False)
    original = "Kementerian Sosial menegaskan"
    assert original in text
    tampered = json.loads(text.replace(original, original.replace("Sosial", "Sosiál"), 1))
    result = document_check(tampered)
    assert not result.authentic and result.code == "signature_mismatch"
    verdict = _signed(item)
    verdict["verdict"]["code"] = "fakta"
    assert document_check(verdict).code == "signature_mismatch"
    forged = {**item.head.document, "signature": item.head.signature[:-2] + "AA"}
    assert not document_check(forged).authentic


def test_rotation_keeps_old_signatures_verifiable(desk, make_clarification):
    first = make_clarification()
    old_kid = first.head.kid
    new = keys.signing_key_rotate()
    assert new.kid != old_kid and new.active
    second = make_clarification()
    assert second.head.kid == new.kid
    published = {jwk["kid"] for jwk in keys.jwks()["keys"]}
    assert {old_kid, new.kid} <= published
    assert all("d" not in jwk for jwk in keys.jwks()["keys"])
    assert document_check(_signed(first)).kid == old_kid
    assert document_check(_signed(second)).kid == new.kid
    # A revoked key leaves the JWKS; what it signed no longer verifies.
    keys.signing_key_revoke(kid=old_kid)
    assert old_kid not in {jwk["kid"] for jwk in keys.jwks()["keys"]}
    assert document_check(_signed(first)).code == "signature_unknown_key"
    assert document_check(_signed(second)).authentic


def test_correction_is_signed_and_old_version_reports_newer(desk, make_clarification):
    item = make_clarification()
    old = _signed(item)
    editor, verifier = principal(desk.editor), principal(desk.verifier)
    item = services.clarification_correct(
        principal=editor,
        clarification=item,
        data={"title": "Judul dikoreksi"},
        correction_note="Judul.",
    )
    item = services.clarification_submit(principal=editor, clarification=item)
    item = services.clarification_approve(principal=verifier, clarification=item)
    item = services.clarification_publish(principal=verifier, clarification=item)
    result = document_check(old)
    assert result.authentic and result.version == 1 and result.latest_version == 2
    assert result.is_latest is False and result.current_status == "corrected"
    assert document_check(_signed(item)).is_latest


def test_private_keys_are_stored_encrypted(make_clarification):
    make_clarification()
    key = SigningKey.objects.get(active=True)
    assert "ENCRYPTED PRIVATE KEY" in key.private_pem
    assert set(key.public_jwk) == {"kty", "crv", "x", "kid", "use", "alg"}


def test_bulletin_signature_verifies(make_bulletin):
    bulletin = make_bulletin()
    result = document_check({**bulletin.document, "signature": bulletin.signature})
    assert result.authentic and result.type == "bulletin" and result.id == bulletin.identifier
    altered = {**bulletin.document, "signature": bulletin.signature, "event": "tsunami"}
    assert not document_check(altered).authentic


def test_verify_and_rotate_commands(tmp_path, capsys, make_clarification):
    item = make_clarification()
    good = tmp_path / "klarifikasi.json"
    good.write_text(json.dumps(_signed(item), ensure_ascii=False), encoding="utf-8")
    call_command("verify", str(good))
    out = capsys.readouterr().out
    assert "Authentic and unaltered" in out and f"clarification {item.pk} version 1" in out
    bad = tmp_path / "diubah.json"
    bad.write_text(
        json.dumps(_signed(item), ensure_ascii=False).replace("hoaks", "fakta", 1),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as caught:
        call_command("verify", str(bad))
    assert caught.value.code == 1
    assert "altered" in capsys.readouterr().out
    before = SigningKey.objects.get(active=True).kid
    call_command("signing_rotate")
    assert SigningKey.objects.get(active=True).kid != before
    call_command("verify", str(good))
    assert "Authentic" in capsys.readouterr().out


@pytest.mark.parametrize("which, reason", [("active", "key_active"), ("nope", "unknown_key")])
def test_revoking_the_active_or_an_unknown_key_fails_in_one_line(make_clarification, which, reason):
    make_clarification()
    active = SigningKey.objects.get(active=True)
    kid = active.kid if which == "active" else which
    with pytest.raises(CommandError) as caught:
        call_command("signing_rotate", "--revoke", kid)
    message = str(caught.value)
    assert message.startswith(f"{reason}: ") and "\n" not in message
    assert SigningKey.objects.get(kid=active.kid).revoked_at is None
