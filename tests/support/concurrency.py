"""Two requests at once, in a chosen order: threads with their own database connections.

Race tests need real interleavings, not luck: one side holds a transaction open
(:class:`Held`), the other is started in a thread (:func:`started`), and
:func:`wait_until_blocked` returns once PostgreSQL reports it waiting for the
first side's row lock. Tests using these need ``django_db(transaction=True)``:
the threads' connections only see committed data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from django.db import connection, connections, transaction

TIMEOUT = 30


def _run(fn: Callable[[], Any], future: Future) -> None:
    try:
        future.set_result(fn())
    except BaseException as exc:  # noqa: BLE001 - handed to the test through the future
        future.set_exception(exc)
    finally:
        connections.close_all()  # this thread's connections


def started(fn: Callable[[], Any]) -> Future:
    """Run `fn` in a new thread (its own database connection); its result comes in the future."""
    future: Future = Future()
    threading.Thread(target=_run, args=(fn, future), daemon=True).start()
    return future


def waiting_for_locks() -> int:
    """How many other sessions of this database are waiting for a lock now."""
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is read once; read it afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_until_blocked(count: int = 1, *, also: Future | None = None) -> None:
    """Return once `count` sessions wait for a lock; fail if `also` ends first or time runs out."""
    deadline = time.monotonic() + TIMEOUT
    while waiting_for_locks() < count:
        if also is not None and also.done():
            also.result()  # raises what the thread raised
            raise AssertionError("the request finished without waiting for the lock")
        if time.monotonic() > deadline:
            raise AssertionError(f"no session waited for a lock within {TIMEOUT} s")
        time.sleep(0.01)


class Held:
    """`work()` run in a transaction on another thread, kept open until :meth:`release`.

    ``with Held(work) as held:`` starts it and waits until `work` has returned
    (its locks are taken); leaving the block commits it (or rolls it back, with
    ``rollback=True``) and re-raises what `work` raised.
    """

    def __init__(self, work: Callable[[], Any], *, rollback: bool = False):
        self.work = work
        self.rollback = rollback  # end the transaction by rolling it back instead
        self.done_work = threading.Event()
        self.failed: BaseException | None = None
        self.go = threading.Event()
        self.future: Future | None = None

    def _hold(self) -> Any:
        with transaction.atomic():
            try:
                result = self.work()
            except BaseException as exc:
                self.failed = exc
                raise
            finally:
                self.done_work.set()
            if not self.go.wait(TIMEOUT):
                raise AssertionError("the held transaction was never released")
            if self.rollback:
                transaction.set_rollback(True)
        return result

    def __enter__(self) -> Held:
        self.future = started(self._hold)
        if not self.done_work.wait(TIMEOUT):
            raise AssertionError("the held work did not finish")
        if self.failed is not None:
            self.future.exception(TIMEOUT)  # its transaction has ended
            raise self.failed
        return self

    def release(self) -> Any:
        """End the held transaction; returns what `work` returned."""
        self.go.set()
        return self.future.result(TIMEOUT)

    def __exit__(self, *exc) -> None:
        # Always wait: a transaction still open at teardown would block the flush.
        self.go.set()
        error = self.future.exception(TIMEOUT)
        if error is not None and exc[0] is None:
            raise error
