"""The job queue looks after itself: jobs of dead workers run again, finished ones go.

Run by procrastinate's own worker, on committed data (a transactional test).
"""

from __future__ import annotations

import gc
import time

import pytest
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from hub.tasks import delete_finished_jobs, retry_stalled_jobs
from media_store.tasks import blob_collect

pytestmark = pytest.mark.django_db(transaction=True)


def _work(*queues: str) -> None:
    """What `python -m hub worker` runs, stopping once these queues are empty."""
    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(
            queues=list(queues), wait=False, install_signal_handlers=False, listen_notify=False
        )
    gc.collect()  # the task's database connection lived in a worker thread that is gone


def test_both_run_on_every_worker_on_schedule():
    schedules = {
        name: task.cron for (name, _), task in app.periodic_registry.periodic_tasks.items()
    }
    assert schedules == {
        "hub.retry_stalled_jobs": "* * * * *",
        "hub.delete_finished_jobs": "7 * * * *",
    }


def test_a_job_whose_worker_died_runs_again_on_a_live_worker():
    blob_collect.defer(key="originals/cc/cc/yatim")
    with connection.cursor() as cursor:
        # A worker takes the job, then dies: its heartbeat stops.
        cursor.execute("SELECT worker_id FROM procrastinate_register_worker_v1()")
        (dead,) = cursor.fetchone()
        cursor.execute("SELECT id FROM procrastinate_fetch_job_v2(%s, %s)", [["media"], dead])
        (job_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes'"
            " WHERE id = %s",
            [dead],
        )
    assert ProcrastinateJob.objects.get(pk=job_id).status == "doing"
    _work("media")  # a live worker leaves alone a job marked as running
    assert ProcrastinateJob.objects.get(pk=job_id).status == "doing"

    retry_stalled_jobs.defer(timestamp=int(time.time()))  # as its schedule does each minute
    _work("housekeeping")
    assert ProcrastinateJob.objects.get(pk=job_id).status == "todo"
    _work("media")
    assert ProcrastinateJob.objects.get(pk=job_id).status == "succeeded"


def test_finished_jobs_are_deleted_after_a_week_and_failed_ones_kept():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    for key in ("originals/aa/aa/lama", "originals/bb/bb/baru"):
        blob_collect.defer(key=key)  # nothing refers to these keys: the job succeeds at once
    _work("media")
    old, recent = (
        ProcrastinateJob.objects.filter(task_name="media_store.blob_collect")
        .order_by("id")
        .values_list("id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = at - interval '8 days' WHERE job_id = %s", [old]
        )
        cursor.execute(  # a failed job of long ago stays for an operator to see
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s RETURNING id", [recent]
        )
        cursor.execute(
            "UPDATE procrastinate_events SET at = at - interval '30 days' WHERE job_id = %s",
            [recent],
        )
    delete_finished_jobs.defer(timestamp=int(time.time()))  # as its schedule does hourly
    _work("housekeeping")
    left = set(ProcrastinateJob.objects.values_list("id", "status"))
    assert (old, "succeeded") not in left and (recent, "failed") in left
