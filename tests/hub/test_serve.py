"""Web workers load what their first request would before they take requests."""

import logging

from django.test import override_settings

from hub.management.commands.serve import warm_up_apps
from media_store import storage

S3 = {
    "HUB_STORAGE": "s3",
    "MINIO_ENDPOINT": "127.0.0.1:9000",
    "MINIO_ACCESS_KEY": "warm-up",
    "MINIO_SECRET_KEY": "warm-up-secret",
    "MINIO_BUCKET": "simpul-warm-up",
}


def test_warm_up_builds_the_storage_client_before_the_first_upload():
    with override_settings(**S3):
        assert storage._current is None  # reset by the settings change
        warm_up_apps()
        built = storage._current
        assert isinstance(built, storage.S3Storage)
        assert built.bucket == "simpul-warm-up"
        assert storage.get_storage() is built  # the first upload reuses it


def test_a_failing_warm_up_is_logged_and_the_worker_still_starts(caplog):
    # Minio refuses an endpoint with a path: building the client fails.
    with override_settings(**{**S3, "MINIO_ENDPOINT": "127.0.0.1:9000/not-a-host"}):
        with caplog.at_level(logging.ERROR, logger="hub.management.commands.serve"):
            warm_up_apps()
        assert storage._current is None
    assert "warming up media_store failed" in caplog.text
