"""Reading dates and times from callers' text: None for anything that is not one.

Django's parsers return None for text of the wrong shape but raise ValueError
for a well-formed impossible value ("2026-13-45"); callers here treat both
the same way, as input that is not a date.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateparse


def parse_date(value: str) -> date | None:
    """A date from ``YYYY-MM-DD``; None when the text is not a real calendar day."""
    try:
        return dateparse.parse_date(value)
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime | None:
    """A datetime from ISO 8601 text; None when it is not a real moment."""
    try:
        return dateparse.parse_datetime(value)
    except ValueError:
        return None
