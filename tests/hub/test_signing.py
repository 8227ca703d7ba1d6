"""Signed content: Ed25519 detached JWS over RFC 8785 canonical JSON."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub import signing
from hub.signing import SignatureInvalid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwks_of(*keys: Ed25519PrivateKey) -> dict:
    return signing.build_jwks(*(signing.public_jwk(k.public_key()) for k in keys))


def kid_of(key: Ed25519PrivateKey) -> str:
    return signing.key_id(key.public_key())


@pytest.fixture
def content() -> dict:
    """A published clarification, nested like the facts domain will sign it."""
    return {
        "id": "b7d9c4e2-5f1a-4c6b-9d1e-2a3f4b5c6d7e",
        "kind": "clarification",
        "version": 3,
        "agency": {"code": "kominfo", "name": "Kementerian Komunikasi dan Digital"},
        "title": "[HOAKS] Pembagian kuota internet gratis 100 GB",
        "body": "Tidak benar. Pesan berantai itu bukan dari pemerintah.",
        "regions": ["31", "35.07"],
        "sources": [
            {"url": "https://www.komdigi.go.id/berita/klarifikasi", "title": "Siaran pers"},
        ],
        "published_at": "2025-04-10T07:44:20+07:00",
        "public": True,
        "score": 0.5,
        "withdrawn": None,
    }


# --------------------------------------------------------------------------
# canonical JSON (RFC 8785)


def test_rfc8785_section_3_2_2_example() -> None:
    """The numbers/strings/literals example of RFC 8785 §3.2.2 canonicalises exactly."""
    source = (
        "{\n"
        '  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n'
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
        '  "literals": [null, true, false]\n'
        "}"
    )
    expected = (
        '{"literals":[null,true,false],'
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    ).encode()
    assert signing.canonical_json(json.loads(source)) == expected


def test_rfc8785_section_3_2_3_property_sorting() -> None:
    """Keys sort by UTF-16 code units (RFC 8785 §3.2.3), not by code points."""
    source = (
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return",'
        ' "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",'
        ' "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    ).encode()
    assert signing.canonical_json(json.loads(source)) == expected


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (4.5, "4.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (5e-324, "5e-324"),
        (9007199254740991, "9007199254740991"),
    ],
)
def test_rfc8785_number_serialisation(number: float, text: str) -> None:
    """Numbers follow the ECMAScript rules of RFC 8785 §3.2.2.3 (Appendix B values)."""
    assert signing.canonical_json([number]) == f"[{text}]".encode()


def test_canonical_json_rejects_values_without_exact_json_form() -> None:
    for bad in (float("nan"), float("inf"), 2**60, {1: "x"}, b"bytes"):
        with pytest.raises(ValueError):
            signing.canonical_json(bad)


# --------------------------------------------------------------------------
# keys


# RFC 8037 Appendix A.1 (Ed25519 private key) and A.3 (its JWK thumbprint).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_key_id_and_public_jwk_match_rfc8037_vectors() -> None:
    key = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    assert signing.key_id(key.public_key()) == RFC8037_THUMBPRINT
    assert signing.public_jwk(key.public_key(), "k-2025") == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8037_X,
        "kid": "k-2025",
        "use": "sig",
        "alg": "EdDSA",
    }
    assert signing.public_jwk(key.public_key())["kid"] == RFC8037_THUMBPRINT


def test_generated_keys_are_distinct_and_pem_round_trips() -> None:
    k1, k2 = signing.generate_key(), signing.generate_key()
    assert kid_of(k1) != kid_of(k2)
    pem = signing.private_key_to_pem(k1)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert kid_of(signing.private_key_from_pem(pem)) == kid_of(k1)
    assert kid_of(signing.private_key_from_pem(pem.decode())) == kid_of(k1)

    locked = signing.private_key_to_pem(k1, password=b"rahasia")
    assert b"ENCRYPTED" in locked
    assert kid_of(signing.private_key_from_pem(locked, password=b"rahasia")) == kid_of(k1)
    with pytest.raises(ValueError):
        signing.private_key_from_pem(locked, password=b"salah")
    with pytest.raises(ValueError):
        signing.private_key_from_pem(b"not a pem")


def test_public_jwk_never_contains_private_material() -> None:
    jwk = signing.public_jwk(signing.generate_key().public_key())
    assert "d" not in jwk
    assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}


# --------------------------------------------------------------------------
# sign / verify


def test_sign_then_verify_returns_kid(content: dict) -> None:
    key = signing.generate_key()
    kid = kid_of(key)
    jws = signing.sign_detached(content, key, kid)
    assert signing.verify_detached(jws, content, jwks_of(key)) == kid


def test_jws_is_compact_with_detached_payload(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, "k1")
    header_b64, payload_b64, signature_b64 = jws.split(".")
    assert payload_b64 == ""
    assert json.loads(b64url_decode(header_b64)) == {
        "alg": "EdDSA",
        "kid": "k1",
        "typ": signing.CONTENT_TYP,
    }
    assert len(b64url_decode(signature_b64)) == 64
    # The signature covers BASE64URL(header) "." BASE64URL(canonical payload).
    signing_input = f"{header_b64}.{b64url(signing.canonical_json(content))}".encode()
    key.public_key().verify(b64url_decode(signature_b64), signing_input)
    # Ed25519 is deterministic.
    assert signing.sign_detached(content, key, "k1") == jws


def _paths_to_strings(value, path=()):
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _paths_to_strings(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_to_strings(item, (*path, index))


def _with_changed_char(value, path):
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    text = target[path[-1]]
    target[path[-1]] = ("X" if text[:1] != "X" else "Y") + text[1:]
    return copy


def test_one_character_changed_in_any_nested_string_is_a_mismatch(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    jwks = jwks_of(key)
    paths = list(_paths_to_strings(content))
    assert len(paths) >= 10
    for path in paths:
        tampered = _with_changed_char(content, path)
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify_detached(jws, tampered, jwks)
        assert caught.value.code == "signature_mismatch", path


def test_changed_number_boolean_or_extra_field_is_a_mismatch(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    for change in (
        {"version": 4},
        {"public": False},
        {"withdrawn": "2025-04-11T00:00:00+07:00"},
        {"extra": None},
    ):
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify_detached(jws, {**content, **change}, jwks_of(key))
        assert caught.value.code == "signature_mismatch"


def test_key_order_and_whitespace_do_not_matter(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    # The copy travelled as text: reformatted, keys reversed, non-ASCII escaped.
    reordered = json.loads(
        json.dumps(
            {name: content[name] for name in reversed(list(content))},
            indent=4,
            ensure_ascii=True,
            separators=(" ,  ", " :\t"),
        )
    )
    reordered["agency"] = dict(reversed(list(reordered["agency"].items())))
    assert list(reordered) != list(content)
    assert signing.verify_detached(jws, reordered, jwks_of(key)) == kid_of(key)


def test_rotation_old_keys_verify_while_published(content: dict) -> None:
    k1 = signing.generate_key()
    old_jws = signing.sign_detached(content, k1, kid_of(k1))

    # Rotate: k2 signs new content, k1 stays published.
    k2 = signing.generate_key()
    new_content = {**content, "version": 4}
    new_jws = signing.sign_detached(new_content, k2, kid_of(k2))
    both = jwks_of(k1, k2)
    assert signing.verify_detached(old_jws, content, both) == kid_of(k1)
    assert signing.verify_detached(new_jws, new_content, both) == kid_of(k2)

    # A signature made by k2 but naming k1 is not accepted.
    forged = signing.sign_detached(content, k2, kid_of(k1))
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(forged, content, both)
    assert caught.value.code == "signature_mismatch"

    # k1 retired from the JWKS: its signatures no longer verify.
    only_k2 = jwks_of(k2)
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(old_jws, content, only_k2)
    assert caught.value.code == "signature_unknown_key"
    assert signing.verify_detached(new_jws, new_content, only_k2) == kid_of(k2)


def _replace_header(jws: str, header: dict) -> str:
    _, _, signature = jws.split(".")
    return f"{b64url(json.dumps(header).encode())}..{signature}"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES256", "Ed25519", None])
def test_tampered_algorithm_is_rejected(content: dict, alg) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    header = {"kid": kid_of(key), "typ": signing.CONTENT_TYP}
    if alg is not None:
        header["alg"] = alg
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(_replace_header(jws, header), content, jwks_of(key))
    assert caught.value.code == "signature_bad_algorithm"


def test_alg_none_with_empty_signature_is_rejected(content: dict) -> None:
    key = signing.generate_key()
    header = b64url(json.dumps({"alg": "none", "kid": kid_of(key)}).encode())
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{header}..", content, jwks_of(key))
    assert caught.value.code == "signature_bad_algorithm"


def test_hs256_with_public_key_as_secret_is_rejected(content: dict) -> None:
    """The classic key-confusion attack: HMAC keyed with the published x value."""
    import hashlib
    import hmac

    key = signing.generate_key()
    jwk = signing.public_jwk(key.public_key())
    header = b64url(json.dumps({"alg": "HS256", "kid": jwk["kid"]}).encode())
    signing_input = f"{header}.{b64url(signing.canonical_json(content))}".encode()
    mac = hmac.new(jwk["x"].encode(), signing_input, hashlib.sha256).digest()
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{header}..{b64url(mac)}", content, jwks_of(key))
    assert caught.value.code == "signature_bad_algorithm"


def test_other_header_tampering(content: dict) -> None:
    key = signing.generate_key()
    kid = kid_of(key)
    jws = signing.sign_detached(content, key, kid)
    jwks = jwks_of(key)

    def code_for(header: dict) -> str:
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify_detached(_replace_header(jws, header), content, jwks)
        return caught.value.code

    base = {"alg": "EdDSA", "kid": kid, "typ": signing.CONTENT_TYP}
    # Same members, different encoding of the header: the signature covers the header bytes.
    assert code_for({"typ": base["typ"], "kid": kid, "alg": "EdDSA"}) == "signature_mismatch"
    assert code_for({**base, "kid": "someone-else"}) == "signature_unknown_key"
    assert code_for({"alg": "EdDSA", "typ": signing.CONTENT_TYP}) == "signature_malformed"
    assert code_for({**base, "kid": 7}) == "signature_malformed"
    assert code_for({**base, "typ": "JWT"}) == "signature_malformed"
    assert code_for({**base, "crit": ["b64"], "b64": False}) == "signature_malformed"


@pytest.mark.parametrize(
    "jws",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!..AAAA",
        "e30..AAAA",  # header {} decodes but the signature is too short
        "bnVsbA..AAAA",  # header is JSON null
        "eyJhbGciOiJFZERTQSJ9.eyJ4IjoxfQ.AAAA",  # attached payload
    ],
)
def test_malformed_jws(content: dict, jws: str) -> None:
    key = signing.generate_key()
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(jws, content, jwks_of(key))
    assert caught.value.code in {"signature_malformed", "signature_bad_algorithm"}
    if jws.count(".") != 2 or ".." not in jws or jws.startswith("!"):
        assert caught.value.code == "signature_malformed"


def test_bad_signature_bytes(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    header, _, signature = jws.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 1
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{header}..{b64url(bytes(raw))}", content, jwks_of(key))
    assert caught.value.code == "signature_mismatch"
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{header}..{signature[:-4]}", content, jwks_of(key))
    assert caught.value.code == "signature_malformed"
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{header}..{signature}==", content, jwks_of(key))
    assert caught.value.code == "signature_malformed"


def test_duplicate_header_members_are_malformed(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    _, _, signature = jws.split(".")
    raw = f'{{"alg":"EdDSA","alg":"none","kid":"{kid_of(key)}"}}'.encode()
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(f"{b64url(raw)}..{signature}", content, jwks_of(key))
    assert caught.value.code == "signature_malformed"


def test_unusable_jwks_entries_count_as_unknown_key(content: dict) -> None:
    key = signing.generate_key()
    kid = kid_of(key)
    jws = signing.sign_detached(content, key, kid)
    good = signing.public_jwk(key.public_key())
    for bad in (
        {**good, "crv": "X25519"},
        {**good, "kty": "RSA"},
        {**good, "alg": "HS256"},
        {**good, "use": "enc"},
        {**good, "x": good["x"][:-2]},
        {**good, "d": RFC8037_D},
    ):
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify_detached(jws, content, signing.build_jwks(bad))
        assert caught.value.code == "signature_unknown_key"
    for jwks in ({}, {"keys": None}, {"keys": ["nope"]}):
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify_detached(jws, content, jwks)
        assert caught.value.code == "signature_unknown_key"


def test_payload_without_canonical_form_never_verifies(content: dict) -> None:
    key = signing.generate_key()
    jws = signing.sign_detached(content, key, kid_of(key))
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify_detached(jws, {**content, "score": float("nan")}, jwks_of(key))
    assert caught.value.code == "signature_mismatch"
    with pytest.raises(ValueError):
        signing.sign_detached({"score": float("nan")}, key, kid_of(key))


def test_signature_invalid_codes_are_stable() -> None:
    expected = {
        "signature_malformed",
        "signature_unknown_key",
        "signature_mismatch",
        "signature_bad_algorithm",
    }
    assert expected == SignatureInvalid.CODES
    with pytest.raises(ValueError):
        SignatureInvalid("something_else")
