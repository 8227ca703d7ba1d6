"""Reading dates and times from callers' text: None for anything that is not one.

Django's parsers return None for text of the wrong shape but raise ValueError
for a well-formed impossible value ("2026-13-45"); callers here treat both
the same way, as input that is not a date.

A date outside ``YEARS`` is not one either. PostgreSQL would store
``0001-01-01T00:00:00+07:00`` (a .NET "minimum date" sent from Jakarta) as
year 0 in UTC, which no Python datetime can hold: the row could then never be
read back, and every list holding it would fail.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateparse

# The years a caller's date or time may fall in: archive photos to far-off expiries.
YEARS = range(1800, 3000)

# (Indonesian, English) messages for a field that is not one.
INVALID_DATE = (
    "Tanggal tidak valid (format YYYY-MM-DD, tahun 1800–2999).",
    "Not a date (YYYY-MM-DD, years 1800–2999).",
)
INVALID_DATETIME = (
    "Format tanggal-waktu tidak valid (ISO 8601, tahun 1800–2999).",
    "Not an ISO 8601 date-time (years 1800–2999).",
)


def parse_date(value: str) -> date | None:
    """A date from ``YYYY-MM-DD``; None when the text is not a real calendar day in ``YEARS``."""
    try:
        parsed = dateparse.parse_date(value)
    except ValueError:
        return None
    return parsed if parsed is None or parsed.year in YEARS else None


def parse_datetime(value: str) -> datetime | None:
    """A datetime from ISO 8601 text; None when it is not a real moment in ``YEARS``."""
    try:
        parsed = dateparse.parse_datetime(value)
    except ValueError:
        return None
    return parsed if parsed is None or parsed.year in YEARS else None
