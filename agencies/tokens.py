"""Verification of Keycloak-issued JWT access tokens for the hub API.

Pure Python (no Django): the hub's authentication classes build one ``TokenVerifier`` from
settings and ask it to verify every bearer token. Keys come from the realm's JWKS endpoint
through ``JwksCache``, which fetches lazily, keeps working from its cache while Keycloak is
unreachable and never lets forged key ids turn into a flood of requests to Keycloak.

Every rejection is a ``TokenRejected`` with a stable ``code`` that callers may log, count and
return to clients; messages are for humans and may change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jwt
import requests

__all__ = [
    "TokenRejected",
    "JwksCache",
    "TokenVerifier",
    "client_scopes",
    "client_id",
    "DEFAULT_ALGORITHMS",
]

DEFAULT_ALGORITHMS: tuple[str, ...] = ("RS256", "PS256", "ES256")

# Asymmetric algorithms this module can ever accept. "none" and the HMAC family are absent on
# purpose: with a public JWKS, an HMAC "secret" would be public too.
_ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_KTY_FOR_ALG = {
    **dict.fromkeys(("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"), "RSA"),
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
_CRV_FOR_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

# Upper bound on what we are willing to parse; Keycloak access tokens are a few KiB.
_MAX_TOKEN_LENGTH = 16 * 1024
# Upper bound on a JWKS document.
_MAX_JWKS_BYTES = 512 * 1024


class TokenRejected(Exception):
    """A bearer token was not accepted.

    ``code`` is one of a fixed set of strings (``token_expired``, ``token_not_yet_valid``,
    ``token_bad_issuer``, ``token_bad_audience``, ``token_bad_algorithm``,
    ``token_bad_signature``, ``token_unknown_key``, ``token_bad_type``, ``token_malformed``,
    ``token_invalid``); it never changes for a given kind of failure.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        """Creates the rejection; ``str(exc)`` is the message, or the code when none given."""
        super().__init__(message or code)
        self.code = code


class KeyNotFetchedYet(TokenRejected):
    """``token_unknown_key`` before the keys could be fetched again (the refetch budget is spent).

    The key may be one the IdP has just started to sign with (a rotation): not
    the caller's fault. ``retry_after`` is the seconds until the next fetch may run.
    """

    def __init__(self, retry_after: float) -> None:
        super().__init__("token_unknown_key", "no cached signing key with this kid yet")
        self.retry_after = retry_after

    def __repr__(self) -> str:
        """Shows the code and message."""
        return f"TokenRejected({self.code!r}, {str(self)!r})"


class JwksCache:
    """Thread-safe cache of a JWKS endpoint's signing keys, keyed by ``kid``.

    - Nothing is fetched until a key is first needed (or ``refresh()`` is called).
    - A ``kid`` that is not cached triggers a refetch, but at most one HTTP fetch is started per
      ``min_refetch_interval`` seconds, whatever the number of callers or distinct ``kid`` values;
      failed fetches count against the same budget.
    - A successful fetch replaces the cached key set (keys removed at the IdP stop working);
      a failed fetch keeps the previous keys, so verification continues during an IdP outage.
    - ``fetch_count`` counts HTTP fetch attempts; ``healthy`` is True iff the most recent attempt
      succeeded (False before the first one).
    """

    def __init__(
        self,
        jwks_url: str,
        *,
        min_refetch_interval: float = 60.0,
        timeout: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ) -> None:
        """Configures the cache; performs no I/O.

        ``session`` lets the caller supply the ``requests.Session`` used for fetches (for
        connection pooling, proxies or instrumentation); a private one is created otherwise.
        """
        if min_refetch_interval < 0:
            raise ValueError("min_refetch_interval must be >= 0")
        self.jwks_url = jwks_url
        self.min_refetch_interval = float(min_refetch_interval)
        self.timeout = float(timeout)
        self._clock = clock
        self._session = session or requests.Session()
        self._state_lock = threading.Lock()
        self._fetch_lock = threading.Lock()
        self._jwks: dict[str, dict[str, Any]] = {}
        self._prepared: dict[tuple[str, str], jwt.PyJWK] = {}
        self._last_attempt: float | None = None
        self._fetch_count = 0
        self._healthy = False
        self._last_error: str | None = None

    @property
    def fetch_count(self) -> int:
        """Number of HTTP fetches attempted so far (successful or not)."""
        with self._state_lock:
            return self._fetch_count

    @property
    def healthy(self) -> bool:
        """True iff the most recent fetch succeeded; False before any fetch."""
        with self._state_lock:
            return self._healthy

    @property
    def last_error(self) -> str | None:
        """Description of the most recent failed fetch, or None after a successful one."""
        with self._state_lock:
            return self._last_error

    def kids(self) -> frozenset[str]:
        """The key ids currently cached."""
        with self._state_lock:
            return frozenset(self._jwks)

    def refresh(self) -> bool:
        """Fetches the JWKS now unless the refetch budget is spent; returns ``healthy``.

        Obeys the same rate limit as unknown-``kid`` refetches, so calling it from a readiness
        probe cannot hammer the IdP.
        """
        self._maybe_fetch(lambda: False)
        return self.healthy

    def get_key(self, kid: str, alg: str) -> jwt.PyJWK:
        """Returns the key with id ``kid`` prepared for algorithm ``alg``.

        Raises ``TokenRejected("token_unknown_key")`` when no cached or (rate-limited) freshly
        fetched key has that id, and ``TokenRejected("token_bad_algorithm")`` when the key exists
        but cannot be used with ``alg`` (other key type or curve, or a different declared alg).
        """
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("token_malformed", "token header has no usable kid")
        key = self._lookup(kid, alg)
        if key is not None:
            return key
        fetched = self._maybe_fetch(lambda: self._has_kid(kid))
        key = self._lookup(kid, alg)
        if key is None:
            if not fetched:
                raise KeyNotFetchedYet(self._next_fetch_in())
            raise TokenRejected("token_unknown_key", "no signing key with this kid")
        return key

    # -- internals ---------------------------------------------------------------------------

    def _has_kid(self, kid: str) -> bool:
        with self._state_lock:
            return kid in self._jwks

    def _lookup(self, kid: str, alg: str) -> jwt.PyJWK | None:
        """Returns the prepared key, None when ``kid`` is not cached; raises on alg mismatch."""
        with self._state_lock:
            prepared = self._prepared.get((kid, alg))
            if prepared is not None:
                return prepared
            jwk = self._jwks.get(kid)
        if jwk is None:
            return None
        declared = jwk.get("alg")
        if declared is not None and declared != alg:
            raise TokenRejected("token_bad_algorithm", "token alg does not match the key's alg")
        if jwk.get("kty") != _KTY_FOR_ALG.get(alg):
            raise TokenRejected("token_bad_algorithm", "token alg does not fit the key type")
        if alg in _CRV_FOR_ALG and jwk.get("crv") != _CRV_FOR_ALG[alg]:
            raise TokenRejected("token_bad_algorithm", "token alg does not fit the key's curve")
        try:
            prepared = jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError as exc:
            raise TokenRejected("token_bad_algorithm", f"key unusable with {alg}") from exc
        with self._state_lock:
            if self._jwks.get(kid) is jwk:
                self._prepared[(kid, alg)] = prepared
        return prepared

    def _next_fetch_in(self) -> float:
        """Seconds until the refetch budget allows another fetch (0: now)."""
        with self._state_lock:
            if self._last_attempt is None:
                return 0.0
            elapsed = self._clock() - self._last_attempt
            return max(self.min_refetch_interval - elapsed, 0.0)

    def _maybe_fetch(self, satisfied: Callable[[], bool]) -> bool:
        """Fetches once if the budget allows and ``satisfied()`` is still False.

        Returns whether a fetch was attempted here. Fetchers are serialized; while
        one fetch runs, lookups of cached keys proceed.
        """
        with self._fetch_lock:
            if satisfied():
                return False
            now = self._clock()
            with self._state_lock:
                if (
                    self._last_attempt is not None
                    and now - self._last_attempt < self.min_refetch_interval
                ):
                    return False
                self._last_attempt = now
                self._fetch_count += 1
            try:
                keys = self._download()
            except Exception as exc:  # noqa: BLE001 - any failure keeps the cached keys
                with self._state_lock:
                    self._healthy = False
                    self._last_error = f"{type(exc).__name__}: {exc}"
                return True
            with self._state_lock:
                self._jwks = keys
                self._prepared = {}
                self._healthy = True
                self._last_error = None
            return True

    def _download(self) -> dict[str, dict[str, Any]]:
        """Fetches and parses the JWKS; returns usable signing keys by kid or raises."""
        response = self._session.get(
            self.jwks_url, timeout=self.timeout, headers={"Accept": "application/json"}
        )
        response.raise_for_status()
        if len(response.content) > _MAX_JWKS_BYTES:
            raise ValueError("JWKS document too large")
        document = response.json()
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise ValueError("JWKS document has no 'keys' list")
        keys: dict[str, dict[str, Any]] = {}
        for jwk in document["keys"]:
            if not isinstance(jwk, dict):
                continue
            kid = jwk.get("kid")
            if not isinstance(kid, str) or not kid:
                continue
            if jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("kty") not in {"RSA", "EC", "OKP"}:
                continue
            if "d" in jwk:  # a private key has no business in a JWKS; refuse to use it
                continue
            declared = jwk.get("alg")
            if declared is not None and declared not in _ASYMMETRIC:
                continue
            keys[kid] = jwk
        if not keys:
            raise ValueError("JWKS document has no usable signing keys")
        return keys


class TokenVerifier:
    """Verifies bearer JWTs issued by one issuer for one audience.

    ``verify`` accepts a token only when all of these hold, and otherwise raises
    ``TokenRejected``:
    - the header names an algorithm from ``algorithms`` (never "none", never HMAC) and a ``kid``;
    - the ``kid`` resolves to a published signing key of a matching type, and the signature
      verifies with it;
    - ``iss`` equals ``issuer`` exactly; ``aud`` (string or list) contains ``audience``;
    - ``exp`` and ``iat`` are present; ``exp`` is not past, ``nbf``/``iat`` are not in the
      future, each with ``leeway`` seconds of tolerance;
    - a ``typ`` claim, when present, is ``Bearer`` (so ID and refresh tokens are refused).
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: JwksCache,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        leeway: float = 30,
    ) -> None:
        """Configures the verifier; raises ValueError for an unsafe or empty configuration."""
        algs = tuple(algorithms)
        if not algs:
            raise ValueError("at least one algorithm is required")
        unsafe = [a for a in algs if a not in _ASYMMETRIC]
        if unsafe:
            raise ValueError(f"unsupported or unsafe JWT algorithms: {unsafe}")
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if leeway < 0:
            raise ValueError("leeway must be >= 0")
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.algorithms = algs
        self.leeway = leeway

    def verify(self, token: str) -> dict[str, Any]:
        """Returns the token's claims when it passes every check above; raises TokenRejected."""
        if isinstance(token, bytes):
            try:
                token = token.decode("ascii")
            except UnicodeDecodeError as exc:
                raise TokenRejected("token_malformed", "token is not ASCII") from exc
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
            raise TokenRejected("token_malformed", "token is empty, too long or not a string")
        if token.count(".") != 2:
            raise TokenRejected("token_malformed", "not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected("token_malformed", "unreadable token header") from exc

        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise TokenRejected("token_bad_algorithm", f"algorithm {alg!r} is not accepted")
        if "crit" in header:
            raise TokenRejected("token_malformed", "critical header extensions are not supported")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("token_malformed", "token header has no kid")

        key = self.jwks.get_key(kid, alg)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "verify_iss": True,
                    "verify_aud": True,
                    "require": ["exp", "iat", "iss", "aud"],
                },
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejected("token_expired", "token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise TokenRejected("token_not_yet_valid", "token is not valid yet") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejected("token_bad_issuer", "token issuer is not accepted") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected("token_bad_audience", "token audience is not accepted") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("token_bad_signature", "token signature is invalid") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise TokenRejected("token_bad_algorithm", "token algorithm is not accepted") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected("token_malformed", f"token lacks claim {exc.claim!r}") from exc
        except (jwt.DecodeError, jwt.InvalidIssuedAtError) as exc:
            raise TokenRejected("token_malformed", "token cannot be decoded") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected("token_invalid", f"token rejected: {exc}") from exc

        # Defence in depth: exact issuer comparison independent of the library's checks.
        if claims.get("iss") != self.issuer:
            raise TokenRejected("token_bad_issuer", "token issuer is not accepted")
        typ = claims.get("typ")
        if typ is not None and typ != "Bearer":
            raise TokenRejected("token_bad_type", f"token type {typ!r} is not an access token")
        return claims


def client_scopes(claims: Mapping[str, Any], api_client_id: str = "simpul-api") -> frozenset[str]:
    """Returns the client roles granted on ``api_client_id`` (the hub's machine scopes).

    Reads ``resource_access[api_client_id].roles``; any missing or ill-typed part yields an
    empty set, and non-string entries are ignored.
    """
    resource_access = claims.get("resource_access")
    if not isinstance(resource_access, Mapping):
        return frozenset()
    entry = resource_access.get(api_client_id)
    if not isinstance(entry, Mapping):
        return frozenset()
    roles = entry.get("roles")
    if not isinstance(roles, list):
        return frozenset()
    return frozenset(r for r in roles if isinstance(r, str) and r)


def client_id(claims: Mapping[str, Any]) -> str | None:
    """Returns the OAuth client the token was issued to: ``azp``, else ``client_id``, else None."""
    for name in ("azp", "client_id"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None
