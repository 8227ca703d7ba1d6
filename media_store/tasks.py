"""Background jobs of the media store (procrastinate, queue ``media``).

Jobs are deferred inside the transaction that makes them necessary, so a job
exists exactly when its cause was committed, and it runs only after that
commit. Every job is idempotent: running it twice does no harm.
"""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

QUEUE = "media"
# Storage outages are retried with doubling pauses (4 s, 8 s, … about an hour in all).
RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)


@app.task(queue=QUEUE, name="media_store.asset_process", retry=RETRY)
def asset_process(asset_id: int) -> None:
    """Make an asset's renditions, facts and perceptual hash; mark it ready or rejected."""
    from media_store.services import asset_process as process

    process(asset_id=asset_id)


@app.task(queue=QUEUE, name="media_store.blob_collect", retry=RETRY)
def blob_collect(key: str) -> None:
    """Remove a blob from storage if nothing refers to it any more."""
    from media_store.services import blob_collect as collect

    collect(key=key)
