"""``python -m hub <command>``: every Django management command plus the hub's own.

Commands may be spelled with dashes (``audit-verify``) or underscores. Start-up
problems (bad settings, unreachable database) end in one line on stderr and a
non-zero exit, not a traceback; so does Ctrl-C (exit status 130).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C, e.g. while a command is still starting: a stop, not a crash.
        return 130


def _run(argv: list[str] | None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")

    from hub.env import ConfigurationError

    try:
        import django

        django.setup()
        from hub.db import check_connection

        check_connection()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - start-up failures are reported in one line
        print(f"error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 2

    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m hub", *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
