"""The queue path for real: an upload's job is run by procrastinate's own worker.

The data must be committed for the worker's connection to see it, hence a
transactional test; the other tests run the same jobs in their transaction.
"""

from __future__ import annotations

import gc

import pytest
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from media_store.models import MediaAsset
from tests.media_store.conftest import jpeg, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_takes_the_job_from_the_queue_and_makes_the_asset_ready(
    local_storage, agency_team, api
):
    team = agency_team()
    response = upload(api(user=team.editor), jpeg((800, 600)), "antrean.jpg", alt_text="Antrean")
    assert response.status_code == 201
    job = ProcrastinateJob.objects.get(task_name="media_store.asset_process")
    assert (job.status, job.args) == ("todo", {"asset_id": response.json()["id"]})

    # Exactly what `python -m hub worker` runs: procrastinate's worker on its own
    # psycopg connection, here stopping once the queue is empty.
    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(
            queues=["media"], wait=False, install_signal_handlers=False, listen_notify=False
        )
    # The task's database connection lived in a worker thread that is gone now.
    gc.collect()

    job.refresh_from_db()
    assert job.status == "succeeded"
    asset = MediaAsset.objects.get()
    assert asset.status == "ready" and asset.renditions.count() == 14
