"""Background jobs of the agencies app (procrastinate, queue ``identity``): Keycloak provisioning.

Jobs are deferred inside the transaction that makes them necessary, so a job exists
exactly when its cause was committed and runs only after that commit; the hub's
write never waits for Keycloak and succeeds while Keycloak is down. Each job
re-reads the hub's current state and applies it (``agencies.identity.provisioning``),
so running it twice does no harm and one waiting job stands for any number of
changes to the same record (queueing lock). Jobs of one agency run one at a time
(lock). Failures are retried with exponential backoff.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from agencies.identity import keycloak_enabled
from agencies.models import Agency, ApiClient, Membership, SyncState

QUEUE = "identity"
# Keycloak outages are retried with doubling pauses (4 s, 8 s, … about 2¼ hours in all);
# after that `python -m hub keycloak-sync` (or the next change) repairs what is left.
RETRY = RetryStrategy(max_attempts=12, exponential_wait=2)


def _run(function_name: str, **kwargs) -> None:
    from agencies.identity import provisioning

    getattr(provisioning, function_name)(**kwargs)


async def _in_django(function_name: str, **kwargs) -> None:
    # Provisioning uses the ORM: it runs in Django's thread-sensitive context, the one
    # whose connections procrastinate's Django middleware cleans up around each job.
    await sync_to_async(_run, thread_sensitive=True)(function_name, **kwargs)


@app.task(queue=QUEUE, name="agencies.identity_agency_sync", retry=RETRY)
async def identity_agency_sync(agency_id: int) -> None:
    """Apply an agency (group, role groups, status) and its API clients to Keycloak."""
    await _in_django("agency_sync", agency_id=agency_id)


@app.task(queue=QUEUE, name="agencies.identity_membership_sync", retry=RETRY)
async def identity_membership_sync(user_id: int, agency_id: int) -> None:
    """Apply one person's roles in one agency to Keycloak (account, invitation, groups)."""
    await _in_django("membership_sync", user_id=user_id, agency_id=agency_id)


@app.task(queue=QUEUE, name="agencies.identity_client_sync", retry=RETRY)
async def identity_client_sync(api_client_id: int) -> None:
    """Apply an API client to Keycloak (client, new secret, enabled state, roles)."""
    await _in_django("client_sync", api_client_id=api_client_id)


def _defer(task, *, agency_id: int, key: str, args: dict) -> None:
    try:
        with transaction.atomic():
            task.configure(
                lock=f"identity:agency:{agency_id}", queueing_lock=f"identity:{key}"
            ).defer(**args)
    except AlreadyEnqueued:
        pass  # the waiting job reads the state this transaction commits


def agency_schedule(agency: Agency) -> None:
    """Mark an agency pending and queue its provisioning (no-op without Keycloak)."""
    if not keycloak_enabled():
        return
    Agency.objects.filter(pk=agency.pk).update(sync_state=SyncState.PENDING)
    agency.sync_state = SyncState.PENDING
    _defer(
        identity_agency_sync,
        agency_id=agency.pk,
        key=f"agency:{agency.pk}",
        args={"agency_id": agency.pk},
    )


def membership_schedule(*, user_id: int, agency_id: int) -> None:
    """Mark a person's roles in an agency pending and queue their provisioning."""
    if not keycloak_enabled():
        return
    Membership.objects.filter(user_id=user_id, agency_id=agency_id).update(
        sync_state=SyncState.PENDING
    )
    _defer(
        identity_membership_sync,
        agency_id=agency_id,
        key=f"membership:{user_id}:{agency_id}",
        args={"user_id": user_id, "agency_id": agency_id},
    )


def client_schedule(record: ApiClient) -> None:
    """Mark an API client pending and queue its provisioning."""
    if not keycloak_enabled():
        return
    ApiClient.objects.filter(pk=record.pk).update(sync_state=SyncState.PENDING)
    record.sync_state = SyncState.PENDING
    _defer(
        identity_client_sync,
        agency_id=record.agency_id,
        key=f"client:{record.pk}",
        args={"api_client_id": record.pk},
    )
