"""Loading and querying the official region codes (kode wilayah)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from django.db import connection, transaction
from django.db.models import QuerySet

from agencies.models import Region, search_key

DATA_FILE = Path(__file__).resolve().parent / "data" / "kode_wilayah.csv.gz"


@transaction.atomic
def regions_load(path: Path = DATA_FILE) -> int:
    """Insert or update every region from the shipped CSV; returns the number of rows.

    Idempotent: loading the same file twice leaves the same rows. Uses COPY into
    a temporary table and one upsert, so the full data set loads in seconds.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            code = record["kode"].strip()
            name = record["nama"].strip()
            writer.writerow(
                [
                    code,
                    name,
                    search_key(name),
                    int(record["tingkat"]),
                    Region.kind_for(code),
                    record["induk"].strip() or None,
                ]
            )
            rows += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE region_load (code text, name text, name_key text, level int,"
            " kind text, parent_id text) ON COMMIT DROP"
        )
        with cursor.copy("COPY region_load FROM STDIN WITH (FORMAT csv)") as copy:
            while chunk := buffer.read(1 << 16):
                copy.write(chunk)
        cursor.execute(
            "INSERT INTO agencies_region (code, name, name_key, level, kind, parent_id)"
            " SELECT code, name, name_key, level, kind, NULLIF(parent_id, '') FROM region_load"
            " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
            " name_key = EXCLUDED.name_key, level = EXCLUDED.level, kind = EXCLUDED.kind,"
            " parent_id = EXCLUDED.parent_id"
            " WHERE (agencies_region.name, agencies_region.parent_id)"
            " IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.parent_id)"
        )
    return rows


def region_descendants(code: str) -> QuerySet[Region]:
    """Every region under `code` (all levels), excluding `code` itself."""
    return Region.objects.filter(code__startswith=f"{code}.")


def region_ancestors(code: str) -> QuerySet[Region]:
    """The chain of regions above `code`, province first."""
    return Region.objects.filter(code__in=Region.ancestor_codes(code)).order_by("level")


def region_search(queryset: QuerySet[Region], text: str) -> QuerySet[Region]:
    """Regions whose name contains `text`, ignoring case and accents (trigram-indexed)."""
    return queryset.filter(name_key__contains=search_key(text))


def within_region_codes(code: str) -> list[str]:
    """`code` and its ancestors: an item tagged with any of them concerns the place `code`."""
    return [*Region.ancestor_codes(code), code]
