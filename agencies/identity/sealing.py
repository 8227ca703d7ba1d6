"""Encryption of client secrets for the short time they wait to be set in Keycloak.

A secret is shown once to whoever created or rotated the client and is never kept
in plain text: until the provisioning job has handed it to Keycloak it is stored
sealed (Fernet, key derived from ``SECRET_KEY`` with HKDF), then erased.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SealBroken(Exception):
    """A sealed secret cannot be opened (the hub's SECRET_KEY changed since)."""


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"simpul:identity:pending-secret"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken:
        raise SealBroken("the pending client secret cannot be decrypted; rotate it") from None
