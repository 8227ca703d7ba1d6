"""Staff sign-in with Keycloak: OIDC authorization code flow with PKCE (S256).

``/oidc/login`` sends the browser to Keycloak with a fresh ``state``, ``nonce`` and
PKCE challenge kept in the session; ``/oidc/callback`` accepts the answer only for a
state it issued, exchanges the code (with the verifier and the portal client's
secret), checks the ID token (signature, issuer, audience, expiry, nonce) and signs
the person in with an ordinary Django session. ``/oidc/logout`` ends the Django
session and then the Keycloak session (``end_session_endpoint`` with
``id_token_hint``).

The hub stays the source of truth for who works where:

* Keycloak only says *who* the person is. The account is linked to a hub user by
  :class:`~agencies.models.StaffIdentity` (made when the hub provisioned it) or, at
  the first login of an existing hub user, by their e-mail address when Keycloak
  has verified it. Nobody without a hub account gets in.
* Agencies and roles come from the hub's memberships only. The ``groups`` claim
  (``/agencies/<slug>/<role>``) never grants anything: where it differs from the
  hub, the login's audit entry reports the drift and a provisioning job is queued
  to bring Keycloak back in line with the hub.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from agencies import policy
from agencies.identity import keycloak_enabled, realm_issuer
from agencies.identity.verifier import token_verifier
from agencies.models import Agency, Membership, StaffIdentity
from agencies.tokens import DEFAULT_ALGORITHMS, TokenRejected
from hub import auth_failures
from hub.audit import audit_record

SESSION_FLOWS = "oidc_flows"
SESSION_ID_TOKEN = "oidc_id_token"
MAX_PENDING_FLOWS = 5
FLOW_LIFETIME = 600  # seconds a login may take at Keycloak
DEFAULT_NEXT = "/admin/"
DISCOVERY_TTL = 3600

_discovery_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict]] = {}


class LoginRefused(Exception):
    """A sign-in attempt that must not succeed; ``code`` is recorded in the audit log."""

    def __init__(self, code: str, status: int = 401) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def discovery(*, fresh: bool = False) -> dict:
    """The realm's OpenID configuration (cached for an hour per process).

    `fresh` asks Keycloak again: a sign-in starts with it, so that a person is
    told Keycloak is down here instead of being sent to a server that does not answer.
    """
    issuer = realm_issuer()
    now = time.monotonic()
    with _discovery_lock:
        cached = _discovery.get(issuer)
        if cached and now - cached[0] < DISCOVERY_TTL and not fresh:
            return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.KEYCLOAK_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise LoginRefused("keycloak_unavailable", status=503) from None
    with _discovery_lock:
        _discovery[issuer] = (now, document)
    return document


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _callback_uri() -> str:
    # From the configured public URL, never from the request's Host header.
    return f"{settings.HUB_PUBLIC_URL.rstrip('/')}{reverse('oidc-callback')}"


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return DEFAULT_NEXT


def _refuse_if_rate_limited(request) -> None:
    if auth_failures.retry_after(request) is not None:
        raise LoginRefused("rate_limited", status=429)


def _record_failure(request, code: str, subject: str = "") -> None:
    auth_failures.record(request, method="oidc", reason=code, credential=subject)


def _page(request, code: str, status: int) -> HttpResponse:
    body = render_to_string(
        "identity/oidc_error.html", {"code": code, "login_url": reverse("oidc-login")}, request
    )
    return HttpResponse(body, status=status)


@never_cache
@require_GET
def login(request):
    """Start a staff sign-in at Keycloak (authorization code + PKCE S256)."""
    if not keycloak_enabled():
        raise Http404()
    try:
        endpoint = discovery(fresh=True)["authorization_endpoint"]
    except LoginRefused as refused:
        return _page(request, refused.code, refused.status)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    flows = {
        key: flow
        for key, flow in request.session.get(SESSION_FLOWS, {}).items()
        if time.time() - flow["at"] < FLOW_LIFETIME
    }
    while len(flows) >= MAX_PENDING_FLOWS:
        flows.pop(min(flows, key=lambda key: flows[key]["at"]))
    flows[state] = {
        "nonce": nonce,
        "verifier": verifier,
        "next": _safe_next(request, request.GET.get("next")),
        "at": time.time(),
    }
    request.session[SESSION_FLOWS] = flows
    params = {
        "client_id": settings.KEYCLOAK_PORTAL_CLIENT_ID,
        "response_type": "code",
        "scope": "openid email profile",
        "redirect_uri": _callback_uri(),
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
        "code_challenge_method": "S256",
    }
    return HttpResponseRedirect(f"{endpoint}?{urlencode(params)}")


def _exchange(code: str, verifier: str) -> dict:
    try:
        response = requests.post(
            discovery()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _callback_uri(),
                "client_id": settings.KEYCLOAK_PORTAL_CLIENT_ID,
                "client_secret": settings.KEYCLOAK_PORTAL_CLIENT_SECRET,
                "code_verifier": verifier,
            },
            timeout=settings.KEYCLOAK_TIMEOUT,
        )
    except requests.RequestException:
        raise LoginRefused("keycloak_unavailable", status=503) from None
    if response.status_code != 200:
        raise LoginRefused("code_rejected")
    try:
        return response.json()
    except ValueError:
        raise LoginRefused("code_rejected") from None


def verify_id_token(id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims after checking signature, iss, aud, azp, exp, iat and nonce."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise LoginRefused("token_malformed") from None
    alg = header.get("alg")
    if alg not in DEFAULT_ALGORITHMS:
        raise LoginRefused("token_bad_algorithm")
    try:
        key = token_verifier().jwks.get_key(header.get("kid"), alg)
    except TokenRejected as exc:
        raise LoginRefused(exc.code) from None
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=[alg],
            audience=settings.KEYCLOAK_PORTAL_CLIENT_ID,
            issuer=realm_issuer(),
            leeway=settings.KEYCLOAK_LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise LoginRefused("token_expired") from None
    except jwt.InvalidIssuerError:
        raise LoginRefused("token_bad_issuer") from None
    except jwt.InvalidAudienceError:
        raise LoginRefused("token_bad_audience") from None
    except jwt.PyJWTError:
        raise LoginRefused("token_invalid") from None
    if claims.get("azp") not in (None, settings.KEYCLOAK_PORTAL_CLIENT_ID):
        raise LoginRefused("token_bad_audience")
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise LoginRefused("token_bad_nonce")
    return claims


def staff_user_for(claims: dict[str, Any]):
    """The hub user the Keycloak account belongs to, linking it on first use; or None.

    A linked account (by ``sub``) wins; otherwise exactly one active hub user with
    the verified e-mail address of the account.
    """
    users = get_user_model().objects
    subject = str(claims["sub"])
    link = StaffIdentity.objects.select_related("user").filter(subject=subject).first()
    if link is not None:
        if not link.user.is_active:
            raise LoginRefused("account_disabled", status=403)
        return link.user
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        return None
    matches = list(users.filter(email__iexact=email, is_active=True)[:2])
    if len(matches) != 1 or StaffIdentity.objects.filter(user=matches[0]).exists():
        return None
    StaffIdentity.objects.create(user=matches[0], subject=subject)
    return matches[0]


def membership_drift(user, groups: Any) -> dict[str, list[str]]:
    """Where the token's ``/agencies/<slug>/<role>`` groups and the hub's memberships differ."""
    claimed: set[tuple[str, str]] = set()
    for path in groups if isinstance(groups, list) else []:
        parts = str(path).strip("/").split("/")
        if len(parts) == 3 and parts[0] == "agencies" and parts[2] in policy.ROLES:
            claimed.add((parts[1], parts[2]))
    held = set(Membership.objects.filter(user=user).values_list("agency__slug", "role"))
    return {
        "only_in_keycloak": sorted(f"/agencies/{slug}/{role}" for slug, role in claimed - held),
        "only_in_hub": sorted(f"/agencies/{slug}/{role}" for slug, role in held - claimed),
    }


def _realign(user, drift: dict[str, list[str]]) -> None:
    from agencies.tasks import membership_schedule

    slugs = {path.split("/")[2] for paths in drift.values() for path in paths}
    for agency_id in Agency.objects.filter(slug__in=slugs).values_list("pk", flat=True):
        membership_schedule(user_id=user.pk, agency_id=agency_id)


@never_cache
@require_GET
def callback(request):
    """Finish a staff sign-in: check state and tokens, then open a Django session."""
    if not keycloak_enabled():
        raise Http404()
    try:
        _refuse_if_rate_limited(request)
    except LoginRefused as refused:
        return _page(request, refused.code, refused.status)
    flows = request.session.get(SESSION_FLOWS, {})
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[SESSION_FLOWS] = flows
    try:
        if flow is None or time.time() - flow["at"] > FLOW_LIFETIME:
            raise LoginRefused("state_mismatch", status=400)
        if request.GET.get("error"):
            raise LoginRefused("login_cancelled", status=400)
        code = request.GET.get("code")
        if not code:
            raise LoginRefused("code_missing", status=400)
        tokens = _exchange(code, flow["verifier"])
        claims = verify_id_token(str(tokens.get("id_token", "")), flow["nonce"])
        with transaction.atomic():
            user = staff_user_for(claims)
            if user is None:
                raise LoginRefused("unknown_person", status=403)
            if not policy.may_use_admin(user):
                # As the password form refuses them: no role in an active agency.
                raise LoginRefused("no_agency", status=403)
    except LoginRefused as refused:
        if refused.status != 503:
            _record_failure(request, refused.code)
        return _page(request, refused.code, refused.status)
    django_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ID_TOKEN] = tokens["id_token"]
    drift = membership_drift(user, claims.get("groups"))
    with transaction.atomic():
        audit_record(
            action="auth.login",
            entity="user",
            entity_id=user.pk,
            after={"method": "oidc", "subject": claims["sub"], "drift": drift},
            principal=policy.principal_for_user(user),
        )
        if drift["only_in_keycloak"] or drift["only_in_hub"]:
            _realign(user, drift)
    return HttpResponseRedirect(flow["next"])


@never_cache
@require_POST
def logout(request):
    """End the Django session and, for SSO sessions, the Keycloak session too."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    django_logout(request)
    after = f"{settings.HUB_PUBLIC_URL.rstrip('/')}{reverse('admin:login')}"
    if not id_token or not keycloak_enabled():
        return HttpResponseRedirect(reverse("admin:login"))
    try:
        endpoint = discovery()["end_session_endpoint"]
    except (LoginRefused, KeyError):
        return HttpResponseRedirect(reverse("admin:login"))
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": after,
        "client_id": settings.KEYCLOAK_PORTAL_CLIENT_ID,
    }
    return HttpResponseRedirect(f"{endpoint}?{urlencode(params)}")
