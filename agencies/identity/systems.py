"""Agency systems authenticated by Keycloak client-credentials tokens.

A token proves only that Keycloak issued it to a client. Who that client is, which
agency it acts for and what it may do are the hub's records: the client id maps to
an :class:`~agencies.models.ApiClient`, checked on every request, so revoking the
client or suspending its agency refuses the very next call whatever Keycloak says.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from agencies import policy
from agencies.identity.verifier import token_verifier
from agencies.models import ApiClient
from agencies.tokens import TokenRejected, client_id, client_scopes

# Why a verified token is still refused; reported like TokenRejected's own codes.
CLIENT_UNKNOWN = "client_unknown"
CLIENT_REVOKED = "client_revoked"
AGENCY_SUSPENDED = "agency_suspended"


def system_authenticate(token: str) -> tuple[ApiClient, policy.Principal]:
    """The API client and principal for a bearer JWT; raises TokenRejected otherwise.

    The principal's scopes are the token's ``simpul-api`` roles that the hub's record
    also grants: a role added in Keycloak alone gives nothing.
    """
    claims = token_verifier().verify(token)
    name = client_id(claims)
    record = (
        ApiClient.objects.select_related("agency").filter(oauth_client=name).first()
        if name
        else None
    )
    if record is None:
        raise TokenRejected(CLIENT_UNKNOWN, "the token's client is not an agency system")
    if record.revoked_at is not None:
        raise TokenRejected(CLIENT_REVOKED, "the agency system's client is revoked")
    if not record.agency.is_active:
        raise TokenRejected(AGENCY_SUSPENDED, "the agency is suspended")
    scopes = client_scopes(claims, settings.KEYCLOAK_AUDIENCE) & set(record.scopes)
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        ApiClient.objects.filter(pk=record.pk).update(last_used_at=now)
    principal = policy.principal_for_system(
        agency_id=record.agency_id, scopes=scopes, client_id=record.oauth_client
    )
    return record, principal
