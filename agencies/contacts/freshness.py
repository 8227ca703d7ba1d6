"""When a contact counts as stale: not verified within its purpose's period.

Hotlines and emergency numbers are checked more often than the rest because a
dead emergency number costs more than a dead general inbox. The periods come
from the environment (read when asked, so a changed setting applies at once).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from hub.env import env

URGENT_PURPOSES = ("hotline", "emergency")


def stale_days(purpose: str) -> int:
    """Days after its last verification that a contact of `purpose` becomes stale."""
    if purpose in URGENT_PURPOSES:
        return env("HUB_HOTLINE_STALE_DAYS", 30, int)
    return env("HUB_CONTACT_STALE_DAYS", 180, int)


def is_stale(purpose: str, last_verified_at: datetime | None, now: datetime | None = None) -> bool:
    """True when the contact was never verified or not within its period."""
    if last_verified_at is None:
        return True
    now = now or timezone.now()
    return last_verified_at < now - timedelta(days=stale_days(purpose))


def stale_q(now: datetime | None = None, *, prefix: str = "") -> Q:
    """The stale contacts as a filter (the same rule as :func:`is_stale`)."""
    now = now or timezone.now()
    urgent = now - timedelta(days=stale_days(URGENT_PURPOSES[0]))
    usual = now - timedelta(days=stale_days("general"))
    return (
        Q(**{f"{prefix}last_verified_at__isnull": True})
        | Q(**{f"{prefix}purpose__in": URGENT_PURPOSES, f"{prefix}last_verified_at__lt": urgent})
        | (
            ~Q(**{f"{prefix}purpose__in": URGENT_PURPOSES})
            & Q(**{f"{prefix}last_verified_at__lt": usual})
        )
    )
