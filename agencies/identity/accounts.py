"""A person's hub account switched off, on again or deleted reaches Keycloak.

The membership jobs give an inactive account no role groups (``Provisioner.ensure_member``),
and a deleted account's agencies are applied again, which takes out of their role groups
everyone the hub no longer gives a role: whatever else trusts the realm's groups stops
trusting a person who left.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save


def _remember_active(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        instance._simpul_was_active = None  # new, or a save that leaves is_active alone
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    instance._simpul_was_active = stored


def _follow_active(sender, instance, created=False, **kwargs) -> None:
    was = getattr(instance, "_simpul_was_active", None)
    if created or was is None or was == instance.is_active:
        return
    from agencies.models import Membership
    from agencies.tasks import membership_schedule

    agencies = Membership.objects.filter(user=instance).values_list("agency_id", flat=True)
    for agency_id in set(agencies):
        membership_schedule(user_id=instance.pk, agency_id=agency_id)


def _remember_agencies(sender, instance, **kwargs) -> None:
    from agencies.models import Membership

    # Read before the memberships go with the account.
    instance._simpul_agencies = set(
        Membership.objects.filter(user=instance).values_list("agency_id", flat=True)
    )


def _forget_in_keycloak(sender, instance, **kwargs) -> None:
    from agencies.models import Agency
    from agencies.tasks import agency_schedule

    for agency in Agency.objects.filter(pk__in=getattr(instance, "_simpul_agencies", ())):
        agency_schedule(agency)


def connect() -> None:
    user = get_user_model()
    pre_save.connect(_remember_active, sender=user, dispatch_uid="simpul-account-was-active")
    post_save.connect(_follow_active, sender=user, dispatch_uid="simpul-account-active")
    pre_delete.connect(_remember_agencies, sender=user, dispatch_uid="simpul-account-agencies")
    post_delete.connect(_forget_in_keycloak, sender=user, dispatch_uid="simpul-account-deleted")
