"""Django's PostgreSQL backend, with two additions for the read path.

* A health check that costs no round trip. With ``CONN_HEALTH_CHECKS`` Django
  asks ``is_usable()`` before the first query of every request, and the stock
  answer is a ``SELECT 1``: on a short indexed read, a second statement for
  every request. A connection the server has closed (restart, failover,
  ``pg_terminate_backend``, idle timeout) always leaves something to read on
  its socket: the server's termination notice or end-of-file. So an idle
  connection with nothing to read is usable; only when something is waiting
  does the check fall back to the round trip, which tells a dead connection
  from a harmless notice.
* ``read_cursor()``, for statements the hub runs again and again with their
  values already rendered in (:mod:`api.plans`): server-side binding, so psycopg
  prepares a statement once it has run a few times on a connection and the
  server stops parsing and planning it (``prepare_threshold`` in the database
  options tunes or, with ``None``, disables this, e.g. behind a transaction
  pooler), and psycopg's compiled timestamp loader.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import OperationalError, pq
from psycopg.postgres import types

_TIMESTAMPTZ = types["timestamptz"].oid
# Django installs a loader written in Python so that every value carries one
# tzinfo object; on a UTC connection psycopg's own loader returns the same.
_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ, pq.Format.TEXT)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if (
            pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
        ):
            return super().is_usable()
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError, OperationalError):
            return False
        return not readable or super().is_usable()

    def read_cursor(self):
        """A cursor for repeated, fully rendered read statements (see the module doc)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = psycopg.Cursor(self.connection)
            if self.timezone_name == "UTC":
                cursor.adapters.register_loader(_TIMESTAMPTZ, _TIMESTAMPTZ_LOADER)
            return self._prepare_cursor(cursor)
