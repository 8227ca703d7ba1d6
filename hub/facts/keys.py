"""The hub's signing keys: creation on first use, rotation, the JWKS, sign and verify.

Built on :mod:`hub.signing` (Ed25519, detached JWS over RFC 8785 JSON). Private
keys never leave the database unencrypted; a decrypted key is kept in process
memory only, keyed by its id (keys never change once created).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hub import signing
from hub.audit import audit_record
from hub.errors import Conflict, NotFound
from hub.facts.models import SigningKey

# Serialises "create the first key" and rotation across processes.
_KEY_LOCK = 0x51_4D_50_55_4C_05
_private_cache: dict[str, Ed25519PrivateKey] = {}


def _passphrase() -> bytes:
    secret = getattr(settings, "HUB_SIGNING_PASSPHRASE", "") or settings.SECRET_KEY
    return hashlib.sha256(f"simpul-signing-key:{secret}".encode()).hexdigest().encode()


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_KEY_LOCK])


def _new_key() -> SigningKey:
    private = signing.generate_key()
    kid = signing.key_id(private.public_key())
    key = SigningKey.objects.create(
        kid=kid,
        public_jwk=signing.public_jwk(private.public_key(), kid),
        private_pem=signing.private_key_to_pem(private, _passphrase()).decode("ascii"),
        active=True,
    )
    _private_cache[kid] = private
    return key


def _private(key: SigningKey) -> Ed25519PrivateKey:
    if key.kid not in _private_cache:
        _private_cache[key.kid] = signing.private_key_from_pem(key.private_pem, _passphrase())
    return _private_cache[key.kid]


@transaction.atomic
def signing_key_active() -> SigningKey:
    """The key that signs new content, created (and audited) on first use."""
    key = SigningKey.objects.filter(active=True).first()
    if key is not None:
        return key
    _lock()
    key = SigningKey.objects.filter(active=True).first()
    if key is None:
        key = _new_key()
        audit_record(action="signing_key.create", entity="signing_key", entity_id=key.kid)
    return key


@transaction.atomic
def signing_key_rotate(*, principal=None) -> SigningKey:
    """Retire the active key and make a new one active.

    The retired key stays in the JWKS, so everything it signed keeps verifying.
    """
    _lock()
    old = SigningKey.objects.select_for_update().filter(active=True).first()
    if old is not None:
        old.active = False
        old.retired_at = timezone.now()
        old.save(update_fields=["active", "retired_at"])
    key = _new_key()
    audit_record(
        action="signing_key.rotate",
        entity="signing_key",
        entity_id=key.kid,
        before={"kid": old.kid} if old else None,
        after={"kid": key.kid},
        principal=principal,
    )
    return key


@transaction.atomic
def signing_key_revoke(*, kid: str, principal=None) -> SigningKey:
    """Remove a key from the JWKS (a compromised key): what it signed no longer verifies."""
    key = SigningKey.objects.select_for_update().filter(kid=kid).first()
    if key is None:
        raise NotFound(
            f"Tidak ada kunci penandatanganan {kid!r}.",
            f"No signing key {kid!r}.",
            code="unknown_key",
        )
    if key.active:
        raise Conflict(
            "Kunci aktif tidak dapat dicabut; rotasi dahulu.",
            "The active key cannot be revoked; rotate first.",
            code="key_active",
        )
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            action="signing_key.revoke", entity="signing_key", entity_id=kid, principal=principal
        )
    return key


def jwks() -> dict[str, list[dict[str, Any]]]:
    """Every public key that still verifies: the active one and the retired ones."""
    keys = SigningKey.objects.filter(revoked_at__isnull=True).order_by("created_at", "id")
    return signing.build_jwks(*(key.public_jwk for key in keys))


def document_sign(document: Any) -> tuple[str, str]:
    """Sign a public document with the active key; return (signature, kid)."""
    key = signing_key_active()
    return signing.sign_detached(document, _private(key), key.kid), key.kid


def document_verify(document: Any, signature: str) -> str:
    """The kid that signed `document`; raises ``hub.signing.SignatureInvalid`` otherwise."""
    return signing.verify_detached(signature, document, jwks())
