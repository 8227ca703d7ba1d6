"""Signed content: Ed25519 JWS over RFC 8785 canonical JSON.

Every published version of shared content is signed so that a copy which
travelled outside the hub (a forwarded message, a screenshot transcribed
back into JSON) can be checked against the hub's public keys, published as a
JWKS at ``/.well-known/jwks.json``.

The signature is a JWS in compact serialization with a *detached* payload
(RFC 7515 Appendix F): ``BASE64URL(header) + ".." + BASE64URL(signature)``.
The signed payload is ``BASE64URL(canonical_json(payload))``; because the
payload is canonicalised (RFC 8785), key order and insignificant whitespace of
the copy being checked do not matter, while any change of a value does.

Key rotation: verification accepts any key still listed in the JWKS, so old
keys stay published while content signed with them remains in circulation.

This module is a pure building block: it has no Django dependency.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "ALGORITHM",
    "CONTENT_TYP",
    "SignatureInvalid",
    "build_jwks",
    "canonical_json",
    "generate_key",
    "key_id",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_jwk",
    "public_key_from_jwk",
    "sign_detached",
    "verify_detached",
]

#: The only JWS algorithm this module produces or accepts (RFC 8037).
ALGORITHM = "EdDSA"

#: The ``typ`` header of signatures over shared content (explicit typing, RFC 8725 §3.11).
CONTENT_TYP = "simpul-content+jws"

_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")
_ED25519_SIGNATURE_LEN = 64
_ED25519_KEY_LEN = 32


class SignatureInvalid(Exception):
    """A signature could not be verified.

    ``code`` is one of the stable strings ``signature_malformed``,
    ``signature_unknown_key``, ``signature_mismatch`` and
    ``signature_bad_algorithm``; callers may show it to API clients.
    """

    MALFORMED = "signature_malformed"
    UNKNOWN_KEY = "signature_unknown_key"
    MISMATCH = "signature_mismatch"
    BAD_ALGORITHM = "signature_bad_algorithm"

    CODES = frozenset({MALFORMED, UNKNOWN_KEY, MISMATCH, BAD_ALGORITHM})

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown signature error code: {code!r}")
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


# --------------------------------------------------------------------------
# encoding helpers


def _b64url_encode(data: bytes) -> str:
    """Return unpadded base64url (RFC 7515 §2) of ``data``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    """Decode strict unpadded base64url; raise ``ValueError`` on any other input."""
    if not isinstance(text, str) or not _B64URL_RE.match(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - guarded by the regex
        raise ValueError("not unpadded base64url") from exc


def canonical_json(obj: Any) -> bytes:
    """Return the RFC 8785 (JCS) canonical UTF-8 JSON encoding of ``obj``.

    Equal JSON values always give identical bytes, whatever their key order
    or the whitespace of the text they were parsed from. Raises
    ``rfc8785.CanonicalizationError`` (a ``ValueError``) for values JSON
    cannot represent exactly: non-finite floats, integers beyond IEEE 754
    double precision, non-string keys, or unsupported types.
    """
    return rfc8785.dumps(obj)


# --------------------------------------------------------------------------
# keys


def generate_key() -> Ed25519PrivateKey:
    """Return a new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    if not isinstance(public_key, Ed25519PublicKey):
        raise TypeError("an Ed25519 public key is required")
    return public_key.public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    """Return the RFC 7638 JWK thumbprint (SHA-256, base64url) of ``public_key``.

    The thumbprint depends only on the key, so the same key always gets the
    same id and two different keys (practically) never share one.
    """
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url_encode(_raw_public(public_key))}
    # RFC 7638 §3: required members only, lexicographic order, no whitespace.
    # For these ASCII members that is exactly the RFC 8785 form.
    return _b64url_encode(hashlib.sha256(canonical_json(members)).digest())


def public_jwk(public_key: Ed25519PublicKey, kid: str | None = None) -> dict[str, str]:
    """Return the public JWK (RFC 8037) of ``public_key`` for publication in a JWKS.

    The result is ``{"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ...,
    "use": "sig", "alg": "EdDSA"}``; ``kid`` defaults to :func:`key_id`.
    It never contains private key material.
    """
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url_encode(_raw_public(public_key)),
        "kid": kid if kid is not None else key_id(public_key),
        "use": "sig",
        "alg": ALGORITHM,
    }


def build_jwks(*jwks: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Return a JWK Set ``{"keys": [...]}`` holding copies of the given public JWKs."""
    return {"keys": [dict(jwk) for jwk in jwks]}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Return the Ed25519 public key of a JWK usable for EdDSA signature checks.

    Raises ``ValueError`` unless the JWK is an ``OKP``/``Ed25519`` key with a
    32-byte ``x``, without private material (``d``), and -- where present --
    with ``use`` ``sig`` and ``alg`` ``EdDSA``.
    """
    if not isinstance(jwk, Mapping):
        raise ValueError("a JWK must be a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 OKP key")
    if "d" in jwk:
        raise ValueError("a published JWK must not contain private key material")
    if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
        raise ValueError("key is not meant for EdDSA signatures")
    raw = _b64url_decode(jwk.get("x", ""))
    if len(raw) != _ED25519_KEY_LEN:
        raise ValueError("Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """Return ``private_key`` as PKCS#8 PEM, encrypted with ``password`` when one is given.

    :func:`private_key_from_pem` with the same password returns an equal key.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError("an Ed25519 private key is required")
    encryption: serialization.KeySerializationEncryption
    if password:
        encryption = serialization.BestAvailableEncryption(password)
    else:
        encryption = serialization.NoEncryption()
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=encryption,
    )


def private_key_from_pem(pem: bytes | str, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from PEM.

    Raises ``ValueError`` if the PEM is unreadable, the password is wrong, or
    the key is not an Ed25519 key.
    """
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot load private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the PEM does not hold an Ed25519 private key")
    return key


# --------------------------------------------------------------------------
# signing


def _encode_header(header: Mapping[str, Any]) -> str:
    return _b64url_encode(canonical_json(dict(header)))


def sign_detached(
    payload: Any,
    private_key: Ed25519PrivateKey,
    kid: str,
    *,
    typ: str = CONTENT_TYP,
) -> str:
    """Sign ``payload`` and return a detached-payload JWS ``header..signature``.

    The protected header is ``{"alg": "EdDSA", "kid": kid, "typ": typ}`` and the
    signing input is ``BASE64URL(header) + "." + BASE64URL(canonical_json(payload))``,
    so :func:`verify_detached` accepts the result for any JSON value equal to
    ``payload``. Ed25519 is deterministic: the same payload, key and kid give
    the same string. Raises ``ValueError`` if ``payload`` has no canonical
    JSON form and ``TypeError`` for a non-Ed25519 key or a non-string kid.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError("an Ed25519 private key is required")
    if not isinstance(kid, str) or not kid:
        raise TypeError("kid must be a non-empty string")
    header_b64 = _encode_header({"alg": ALGORITHM, "kid": kid, "typ": typ})
    signing_input = f"{header_b64}.{_b64url_encode(canonical_json(payload))}".encode("ascii")
    signature = private_key.sign(signing_input)
    return f"{header_b64}..{_b64url_encode(signature)}"


def _reject_duplicate_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate header member {name!r}")
        result[name] = value
    return result


def _parse_header(header_b64: str) -> dict[str, Any]:
    try:
        raw = _b64url_decode(header_b64)
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicate_members)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "unreadable header") from exc
    if not isinstance(header, dict):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "header is not a JSON object")
    return header


def _keys_for(jwks: Mapping[str, Any], kid: str) -> list[Ed25519PublicKey]:
    """Return the usable EdDSA keys published under ``kid`` (possibly none)."""
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        return []
    usable = []
    for jwk in keys:
        if not isinstance(jwk, Mapping) or jwk.get("kid") != kid:
            continue
        try:
            usable.append(public_key_from_jwk(jwk))
        except ValueError:
            continue
    return usable


def verify_detached(
    jws: str,
    payload: Any,
    jwks: Mapping[str, Any],
    *,
    typ: str = CONTENT_TYP,
) -> str:
    """Check a detached JWS over ``payload`` against the keys of ``jwks``; return its kid.

    Returns only when the signature was made with the private half of a key
    still listed in ``jwks`` (``{"keys": [...]}``) over a payload whose
    canonical JSON equals that of ``payload``. Otherwise raises
    :class:`SignatureInvalid` with code:

    - ``signature_malformed``: not ``header..signature`` with a detached
      payload, an unreadable header, a missing/non-string ``kid``, a ``typ``
      other than ``typ``, any ``crit`` header, or a signature of the wrong size;
    - ``signature_bad_algorithm``: ``alg`` other than ``EdDSA`` (``none``,
      ``HS256``, ... are never accepted);
    - ``signature_unknown_key``: no usable Ed25519 key with that kid in ``jwks``;
    - ``signature_mismatch``: the signature does not match the payload (or the
      payload has no canonical JSON form, so it cannot be what was signed).
    """
    if not isinstance(jws, str):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "JWS must be a string")
    parts = jws.split(".")
    if len(parts) != 3:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "expected header..signature")
    header_b64, embedded_payload, signature_b64 = parts
    if embedded_payload:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "payload must be detached")

    header = _parse_header(header_b64)
    if header.get("alg") != ALGORITHM:
        raise SignatureInvalid(
            SignatureInvalid.BAD_ALGORITHM, f"algorithm {header.get('alg')!r} not accepted"
        )
    if "crit" in header:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "critical header extensions")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "missing kid")
    if header.get("typ") != typ:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "unexpected typ")

    try:
        signature = _b64url_decode(signature_b64)
    except ValueError as exc:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "unreadable signature") from exc
    if len(signature) != _ED25519_SIGNATURE_LEN:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "wrong signature length")

    keys = _keys_for(jwks, kid)
    if not keys:
        raise SignatureInvalid(SignatureInvalid.UNKNOWN_KEY, f"no published key {kid!r}")

    try:
        payload_b64 = _b64url_encode(canonical_json(payload))
    except (ValueError, TypeError) as exc:
        raise SignatureInvalid(SignatureInvalid.MISMATCH, "payload is not canonical JSON") from exc
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    for public_key in keys:
        try:
            public_key.verify(signature, signing_input)
        except InvalidSignature:
            continue
        return kid
    raise SignatureInvalid(SignatureInvalid.MISMATCH, "signature does not match the content")
