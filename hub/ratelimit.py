"""Fixed-window counters in PostgreSQL, shared by every web process (abuse limits)."""

from __future__ import annotations

import time

from django.db import connection


def _window(window_seconds: int) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % window_seconds
    return start, start + window_seconds - now


def count(key: str, window_seconds: int) -> tuple[int, int]:
    """The number of hits for `key` in the current window and the seconds until it ends."""
    start, remaining = _window(window_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count FROM hub_ratecounter WHERE key = %s AND window_start = %s", [key, start]
        )
        row = cursor.fetchone()
    return (row[0] if row else 0), remaining


def hit(key: str, window_seconds: int) -> int:
    """Count one hit for `key` (committed at once, even if the request fails later)."""
    start, _ = _window(window_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hub_ratecounter (key, window_start, count) VALUES (%s, %s, 1)"
            " ON CONFLICT (key, window_start) DO UPDATE SET count = hub_ratecounter.count + 1"
            " RETURNING count",
            [key, start],
        )
        (value,) = cursor.fetchone()
        cursor.execute(
            "DELETE FROM hub_ratecounter WHERE window_start < %s", [start - 3 * window_seconds]
        )
    return value
