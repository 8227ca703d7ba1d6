"""How the access policy treats the media store's models (registered at start-up).

An asset is seen by its own agency always; by every authenticated agency once
it is released (ready, published, past its embargo) with visibility
``agencies`` or ``public``; by anyone once released as ``public``. The original
file is never shared: only the owning agency may read it
(:func:`may_read_original`).
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from agencies import policy
from agencies.policy import Principal
from media_store.models import Collection, MediaAsset, MediaUpload


def released() -> Q:
    """Assets other agencies may see, whatever their visibility."""
    return Q(
        status=MediaAsset.Status.READY,
        published_at__isnull=False,
    ) & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=Now()))


def is_public(asset) -> bool:
    """The Python twin of the ``public`` rule, for an asset or a ``values()`` row."""

    def get(name):
        return asset[name] if isinstance(asset, dict) else getattr(asset, name)

    embargo = get("embargo_until")
    return (
        get("status") == MediaAsset.Status.READY
        and get("published_at") is not None
        and get("visibility") == MediaAsset.Visibility.PUBLIC
        and (embargo is None or embargo <= timezone.now())
    )


def may_read_original(principal: Principal, asset) -> bool:
    """Originals (with their metadata) are private to the owning agency."""
    agency_id = asset["agency_id"] if isinstance(asset, dict) else asset.agency_id
    return policy.may(principal, policy.VIEW, MediaAsset, agency_id)


def register_rules() -> None:
    policy.register(
        MediaAsset,
        policy.Rule(
            agency_field="agency_id",
            write_scope="media:write",
            public=released() & Q(visibility=MediaAsset.Visibility.PUBLIC),
            shared=released()
            & Q(visibility__in=[MediaAsset.Visibility.PUBLIC, MediaAsset.Visibility.AGENCIES]),
        ),
    )
    policy.register(
        Collection,
        policy.Rule(
            agency_field="agency_id",
            write_scope="media:write",
            public=Q(visibility=Collection.Visibility.PUBLIC),
            shared=Q(visibility__in=[Collection.Visibility.PUBLIC, Collection.Visibility.AGENCIES]),
        ),
    )
    policy.register(MediaUpload, policy.Rule(agency_field="agency_id", write_scope="media:write"))
