"""Client file names, made harmless: they are labels, never paths."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_FILENAME = 200
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*;\\/]')


def safe_filename(raw: str | None, *, default: str = "berkas") -> str:
    """The last path component of `raw`, without control or reserved characters.

    ``../../etc/passwd`` becomes ``passwd``, ``C:\\x\\..\\y.jpg`` becomes ``y.jpg``,
    a leading dot is dropped (no hidden files), and the result is at most
    200 characters, keeping the extension. Never empty.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = name.strip(" .")
    name = re.sub(r"_+", "_", name)
    if not name or set(name) <= {"_"}:
        return default
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


def title_from_filename(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return re.sub(r"[_\-]+", " ", stem).strip()[:300] or filename[:300]


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """An RFC 6266 header value with an ASCII fallback and the UTF-8 name."""
    name = safe_filename(filename)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
