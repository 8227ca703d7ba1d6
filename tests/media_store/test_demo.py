"""The demo step adds shared media to `make run`, once."""

import pytest

from hub.demo import DEMO_STEPS, demo_agencies
from media_store.demo import demo_media
from media_store.models import MediaAsset

pytestmark = pytest.mark.django_db


def test_demo_media_is_registered_and_idempotent(local_storage):
    assert demo_media in DEMO_STEPS
    demo_agencies()
    demo_media()
    demo_media()
    assets = MediaAsset.objects.order_by("id")
    assert [a.agency.slug for a in assets] == ["bnpb", "bmkg"]
    assert all(a.status == "ready" and a.published_at for a in assets)
    assert all(a.renditions.count() == 14 for a in assets)
