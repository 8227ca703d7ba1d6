"""Reading contact import files (CSV or XLSX) into rows for ``contacts_import``.

The columns are the CSV export's, so an exported file can be edited and
imported again. ``office`` and ``post`` name the office or post by its
``external_id`` (or ``#<id>``); ``person`` is the person's id. Columns only the
export writes (``id``, ``agency``, ``normalized``…) are ignored on import.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from typing import Any

from agencies.contacts.models import Office, Post
from agencies.models import Agency
from hub.env import env
from hub.errors import FieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

IMPORT_COLUMNS = (
    "external_id",
    "channel",
    "value",
    "purpose",
    "label",
    "office",
    "post",
    "person",
    "availability",
    "languages",
    "visibility",
    "is_personal",
    "legal_basis",
    "personal_purpose",
    "valid_from",
    "valid_through",
    "source_url",
    "note",
    "last_verified_at",
)
EXPORT_ONLY_COLUMNS = (
    "id",
    "agency",
    "normalized",
    "display",
    "stale",
    "last_verified_by",
    "warnings",
)
REQUIRED_COLUMNS = ("external_id", "channel", "value")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = {
    "text/csv",
    "application/csv",
    "text/plain",
    "application/vnd.ms-excel",
    XLSX_TYPE,
    "application/octet-stream",
}
_TRUE = {"1", "true", "yes", "ya", "y"}
_FALSE = {"0", "false", "no", "tidak", "n", ""}
# Spreadsheet formula guard written by the CSV export; removed again on import.
_GUARDED = re.compile(r"^'(?=[=+\-@\t\r])")


def max_bytes() -> int:
    return env("HUB_CONTACT_IMPORT_MAX_BYTES", 5 * 1024 * 1024, int)


def max_rows() -> int:
    return env("HUB_CONTACT_IMPORT_MAX_ROWS", 5000, int)


def _file_error(code: str, message_id: str, message_en: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError("file", code, message_id, message_en)])


def read_table(content: bytes, *, content_type: str = "") -> list[tuple[int, dict[str, Any]]]:
    """The data rows of a CSV or XLSX file as (spreadsheet row number, {column: cell}).

    Raises PayloadTooLarge past ``HUB_CONTACT_IMPORT_MAX_BYTES`` or
    ``HUB_CONTACT_IMPORT_MAX_ROWS``, UnsupportedMediaType for other file types
    and ValidationFailed (field ``file``) for unreadable files or bad headers.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    if media and media not in ACCEPTED_TYPES:
        raise UnsupportedMediaType()
    if len(content) > max_bytes():
        raise PayloadTooLarge()
    if not content.strip():
        raise _file_error("empty_file", "Berkas kosong.", "The file is empty.")
    # XLSX files are ZIP archives; anything else is read as CSV.
    table = _read_xlsx(content) if content[:4] == b"PK\x03\x04" else _read_csv(content)
    if not table:
        raise _file_error("empty_file", "Berkas kosong.", "The file is empty.")
    header = [_column_name(cell) for cell in table[0]]
    known = set(IMPORT_COLUMNS) | set(EXPORT_ONLY_COLUMNS)
    errors = [
        FieldError(
            "file",
            "unknown_column",
            f"Kolom tidak dikenal: {name!r}.",
            f"Unknown column: {name!r}.",
        )
        for name in header
        if name and name not in known
    ]
    errors += [
        FieldError(
            "file",
            "missing_column",
            f"Kolom wajib tidak ada: {name}.",
            f"Required column missing: {name}.",
        )
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    errors += [
        FieldError("file", "duplicate_column", f"Kolom ganda: {n}.", f"Duplicate column: {n}.")
        for n in duplicated
    ]
    if errors:
        raise ValidationFailed(errors=errors)
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(_blank(cell) for cell in cells):
            continue
        record = {}
        for name, cell in zip(header, cells, strict=False):
            if name in IMPORT_COLUMNS:
                record[name] = _cell(cell)
        rows.append((number, record))
        if len(rows) > max_rows():
            raise PayloadTooLarge(
                f"Paling banyak {max_rows()} baris per impor.",
                f"At most {max_rows()} rows per import.",
            )
    return rows


def _column_name(cell: Any) -> str:
    return re.sub(r"\s+", "_", str(cell or "").strip().lower())


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _cell(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, int) and not isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime | date):
        return cell
    return _GUARDED.sub("", str(cell))


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            "not_utf8", "Berkas CSV harus UTF-8.", "The CSV file must be UTF-8 encoded."
        ) from None
    first_line = text.split("\n", 1)[0]
    # Indonesian spreadsheet software often writes ';'-separated CSV.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _file_error("unreadable_file", "CSV rusak.", "The CSV file is malformed.") from None


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _file_error(
            "unreadable_file", "Berkas XLSX rusak.", "The XLSX file cannot be read."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > max_rows() + 1:
                raise PayloadTooLarge(
                    f"Paling banyak {max_rows()} baris per impor.",
                    f"At most {max_rows()} rows per import.",
                )
        return table
    finally:
        workbook.close()


def rows_for_agency(
    rows: list[tuple[int, dict[str, Any]]], agency: Agency
) -> list[tuple[int, dict[str, Any]]]:
    """Turn cells into service input: office/post references to ids, booleans, languages."""
    offices = dict(
        Office.objects.filter(agency=agency)
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    posts = dict(
        Post.objects.filter(agency=agency).exclude(external_id="").values_list("external_id", "id")
    )
    out = []
    for number, record in rows:
        data = dict(record)
        for name, index in (("office", offices), ("post", posts)):
            if name in data:
                data[name] = _reference(data[name], index)
        if "is_personal" in data:
            raw = str(data["is_personal"]).strip().lower()
            data["is_personal"] = True if raw in _TRUE else False if raw in _FALSE else raw
        if "languages" in data:
            tags = [tag for tag in re.split(r"[,;\s|]+", str(data["languages"])) if tag]
            if tags:
                data["languages"] = tags
            else:
                del data["languages"]
        for name in ("external_id", "person"):
            if name in data:
                data[name] = str(data[name]).strip()
        out.append((number, data))
    return out


def _reference(raw: Any, index: dict[str, int]) -> Any:
    text = str(raw or "").strip()
    if not text:
        return None
    if text.startswith("#") and text[1:].isdigit():
        return text[1:]
    if text in index:
        return index[text]
    # Unknown: passed on as text, which the cleaner refuses with unknown_office/unknown_post.
    return f"?{text}"
