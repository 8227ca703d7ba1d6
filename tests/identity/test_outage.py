"""Keycloak down: cached keys keep verifying, hub writes succeed, jobs retry and converge.

Stops and restarts the session's Keycloak, so it restarts it even when failing.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from agencies.identity import verifier as identity_verifier
from agencies.models import Agency, Membership
from hub.models import AuditEntry
from tests.conftest import Api
from tests.identity.conftest import unique

pytestmark = [pytest.mark.django_db, pytest.mark.keycloak]


def test_keycloak_outage(
    keycloak, jobs, make_agency, make_person, make_system, make_user, settings
):
    # Every readiness probe may refetch the keys, so the probe sees the outage at once.
    settings.KEYCLOAK_JWKS_REFETCH_INTERVAL = 0
    agency = make_agency(unique("tahan"))
    system = make_system(agency, "content:read", "agency:admin")
    token = system.token()
    assert Api(key=token).get("/api/v1/memberships/").status_code == 200
    assert Api().get("/readyz").json()["components"]["identity"]["status"] == "ok"
    platform = Api(user=make_user(superuser=True))
    person = make_person()
    assert Client().get("/oidc/login").status_code == 302  # the realm's endpoints are cached

    keycloak.stop()
    try:
        # A sign-in is told Keycloak is down, not sent to a server that does not answer.
        refused = Client().get("/oidc/login")
        assert refused.status_code == 503 and b"keycloak_unavailable" in refused.content

        # Keys already cached keep verifying; identity is degraded, the hub stays ready.
        assert Api(key=token).get("/api/v1/memberships/").status_code == 200
        ready = Api().get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["components"]["identity"]["status"] == "degraded"

        # The hub's writes succeed; only their provisioning waits.
        slug = unique("saat-mati")
        created = platform.post("/api/v1/agencies/", {"slug": slug, "name": "Baru", "type": "lpnk"})
        assert created.status_code == 201, created.content
        joined = platform.post(
            "/api/v1/memberships/", {"agency": slug, "user": person.pk, "role": "editor"}
        )
        assert joined.status_code == 201, joined.content
        jobs.run()
        # The agency's job failed and waits to retry; the member's job waits behind it
        # (jobs of one agency keep their order).
        waiting = jobs.waiting()
        assert [(row["task_name"], row["attempts"]) for row in waiting] == [
            ("agencies.identity_agency_sync", 1),
            ("agencies.identity_membership_sync", 0),
        ]
        new = Agency.objects.get(slug=slug)
        assert new.sync_state == "failed" and "connect" in new.sync_error
        assert Membership.objects.get(user=person).sync_state == "pending"
        assert AuditEntry.objects.filter(
            action="identity.sync_failed", entity="agency", entity_id=str(new.pk)
        ).exists()
        with pytest.raises(CommandError, match="cannot sync"):
            call_command("keycloak_sync", stdout=io.StringIO())

        # A process that never fetched the keys cannot tell genuine from forged: it
        # answers 503, and the caller is not counted as failing to authenticate.
        identity_verifier.reset()
        failures = AuditEntry.objects.filter(action="auth.failure").count()
        cold = Api(key=token).get("/api/v1/memberships/")
        assert cold.status_code == 503 and cold.json()["code"] == "identity_unavailable"
        assert AuditEntry.objects.filter(action="auth.failure").count() == failures
    finally:
        keycloak.start()

    jobs.make_due()
    jobs.run()
    assert jobs.waiting() == []
    assert {row["status"] for row in jobs.rows()} == {"succeeded"}
    new.refresh_from_db()
    assert new.sync_state == "synced" and new.sync_error == ""
    kc = keycloak.admin()
    editors = kc.get_group_members(kc.get_group_by_path(f"/agencies/{slug}/editor")["id"])
    assert {user["username"] for user in editors} == {person.username}
    assert Api().get("/readyz").json()["components"]["identity"]["status"] == "ok"
    out = io.StringIO()
    call_command("keycloak_sync", stdout=out)
    call_command("keycloak_sync", stdout=(again := io.StringIO()))
    assert again.getvalue().splitlines() == ["nothing changed"]
