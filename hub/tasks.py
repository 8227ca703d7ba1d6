"""Housekeeping of the job queue itself (procrastinate, queue ``housekeeping``).

Every worker runs these on schedule (procrastinate's periodic deferrer, which
queues each scheduled run once however many workers there are):

* a job whose worker died mid-run (killed, out of memory, the machine gone)
  stays ``doing`` for ever unless something puts it back: every minute, jobs of
  workers silent for ``STALLED_AFTER`` seconds go back to the queue, to be run
  again by a live worker (every job is idempotent);
* finished jobs are deleted after ``FINISHED_KEPT_HOURS``, so the queue's tables
  do not grow without end.
"""

from __future__ import annotations

from procrastinate.contrib.django import app

QUEUE = "housekeeping"
# Seconds without a heartbeat (workers beat every 10 s): procrastinate's own
# measure, the one after which workers also prune each other's records.
STALLED_AFTER = 30
FINISHED_KEPT_HOURS = 7 * 24


@app.periodic(cron="* * * * *")
@app.task(queue=QUEUE, name="hub.retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> int:
    """Queue again the running jobs of workers that stopped beating; how many."""
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER))
    for job in stalled:
        await manager.retry_job(job)
    return len(stalled)


@app.periodic(cron="7 * * * *")
@app.task(queue=QUEUE, name="hub.delete_finished_jobs", pass_context=True)
async def delete_finished_jobs(context, timestamp: int) -> None:
    """Delete jobs that succeeded (or were cancelled) more than FINISHED_KEPT_HOURS ago.

    Failed jobs stay, for an operator to look at.
    """
    await context.app.job_manager.delete_old_jobs(
        nb_hours=FINISHED_KEPT_HOURS, include_cancelled=True
    )
