"""What an upload really is, decided from its bytes while they stream in.

:class:`ContentInspector` is fed every chunk of an upload. It hashes (SHA-256)
and counts in constant memory, sniffs the type from the first bytes (the
client's Content-Type and file name are never trusted), refuses types outside
the allow-list as soon as it has seen enough, and validates what must be
validated before anything is stored: images are decoded in full (corrupt files
and decompression bombs are refused) and SVG documents are checked for
scripts and external references.
"""

from __future__ import annotations

import hashlib
import io
import queue
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from lxml import etree
from PIL import Image, UnidentifiedImageError

from hub.errors import FieldError, PayloadTooLarge, Unprocessable, UnsupportedMediaType

SNIFF_BYTES = 4096

# MIME type → kind. Anything else is refused (executables, HTML, scripts, archives…).
ALLOWED: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/gif": "image",
    "image/webp": "image",
    "image/tiff": "image",
    "image/avif": "image",
    "image/heic": "image",
    "image/heif": "image",
    "image/svg+xml": "image",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/x-matroska": "video",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
    "audio/flac": "audio",
    "audio/aac": "audio",
    "application/pdf": "document",
}

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/svg+xml": "svg",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "video/x-matroska": "mkv",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/aac": "aac",
    "application/pdf": "pdf",
}

# Raster images Pillow decodes to validate them.
RASTER = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/avif",
    "image/heic",  # phone cameras' default (decoded by pi-heif, registered in apps.py)
    "image/heif",
}

_MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"dash",
    b"M4V ",
    b"M4VP",
    b"mmp4",
    b"MSNV",
    b"f4v ",
}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}  # the generic image brands: the compatible ones tell
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")


def sniff(head: bytes) -> str:
    """The MIME type the first bytes of a file show; ``application/octet-stream`` if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in _HEIF_BRANDS:
            # ftyp: size, "ftyp", major brand, minor version, compatible brands.
            size = int.from_bytes(head[:4], "big")
            compatible = head[16 : min(size, len(head))]
            brands = {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
            if brands & _AVIF_BRANDS:
                return "image/avif"
            return "image/heic" if brands & _HEIC_BRANDS else "image/heif"
        if brand in _AVIF_BRANDS:
            return "image/avif"
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _MP4_BRANDS or brand.startswith(b"3g"):
            return "video/mp4"
        return "application/octet-stream"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in head[:256] else "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"
    return _sniff_text(head)


def _sniff_text(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text or b"\x00" in head[:512]:
        return "application/octet-stream"
    svg_start = text.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg"))
    if svg_start and b"<svg" in text and b"<html" not in text:
        # An SVG document; whether it is safe (no scripts…) is checked in full later.
        return "image/svg+xml"
    if any(marker in text for marker in _HTML_MARKERS):
        return "text/html"
    if text.startswith(b"#!"):
        return "text/x-shellscript"
    if text.startswith(b"<?xml"):
        return "application/xml"
    return "text/plain"


def described_type(head: bytes, sniffed: str) -> str:
    """A name for a refused type, for the error message."""
    if sniffed != "application/octet-stream":
        return sniffed
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-elf"
    if head[:4] in (
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ):
        return "application/x-mach-binary"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return sniffed


class _BackgroundSha256:
    """SHA-256 of a stream, computed on a helper thread.

    hashlib releases the GIL on large buffers, so the request thread reads and
    parses the next chunk while this one is hashed; at most a few chunks wait.
    """

    def __init__(self):
        self._hash = hashlib.sha256()
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            self._hash.update(data)

    def update(self, data: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
            self._thread.start()
        self._queue.put(data)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.stop()
        return self._hash.hexdigest()


@dataclass(frozen=True)
class Inspection:
    """The facts about an upload's bytes: what the hub stores and renders from."""

    sha256: str
    size: int
    mime: str
    kind: str
    width: int | None = None
    height: int | None = None


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Berkas melebihi batas {limit} bita.",
        f"The file exceeds the limit of {limit} bytes.",
        extra={"limit": limit},
    )


def unsupported(detected: str) -> UnsupportedMediaType:
    allowed = ", ".join(sorted(ALLOWED))
    return UnsupportedMediaType(
        f"Jenis berkas {detected} tidak diterima. Jenis yang diterima: {allowed}.",
        f"File type {detected} is not accepted. Accepted types: {allowed}.",
        code="unsupported_media_type",
        extra={"detected": detected},
    )


def unprocessable(code: str, message_id: str, message_en: str) -> Unprocessable:
    return Unprocessable(
        message_id, message_en, code=code, errors=[FieldError("file", code, message_id, message_en)]
    )


class ContentInspector:
    """Consumes an upload chunk by chunk and decides what it is (see the module docstring).

    ``feed`` raises as soon as the upload is known to be unacceptable (too
    large, a refused type); ``finish`` completes the validation and returns the
    :class:`Inspection`. Memory use is constant except for images, which are
    spooled (to memory up to 8 MiB, then to a temporary file) up to
    ``HUB_MEDIA_MAX_IMAGE_BYTES`` so that they can be decoded in full, and SVG
    documents, kept in memory up to ``HUB_MEDIA_MAX_SVG_BYTES``.
    """

    def __init__(self, *, limit: int, image_hook=None):
        self.limit = limit
        # Called with the spooled bytes of a raster image once it validated.
        self.image_hook = image_hook
        self.max_pixels = settings.HUB_MEDIA_MAX_PIXELS
        self.hasher = _BackgroundSha256()
        self.size = 0
        self.head = bytearray()
        self.mime: str | None = None
        self.spool = None
        self.spool_limit = 0

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        try:
            self._feed(chunk)
        except BaseException:
            self.close()
            raise

    def _feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.limit)
        self.hasher.update(chunk)
        if self.mime is None:
            # Until the type is known, everything received is held here (at most
            # one chunk past SNIFF_BYTES).
            self.head += chunk
            if len(self.head) >= SNIFF_BYTES:
                self._decide()
                self._spool(bytes(self.head))
                del self.head[SNIFF_BYTES:]
            return
        self._spool(chunk)

    def _decide(self) -> None:
        head = bytes(self.head[:SNIFF_BYTES])
        mime = sniff(head)
        if mime not in ALLOWED:
            raise unsupported(described_type(head, mime))
        self.mime = mime
        if mime in RASTER:
            self.spool_limit = settings.HUB_MEDIA_MAX_IMAGE_BYTES
            self.spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        elif mime == "image/svg+xml":
            self.spool_limit = settings.HUB_MEDIA_MAX_SVG_BYTES
            self.spool = io.BytesIO()

    def _spool(self, data: bytes) -> None:
        """Keep image and SVG bytes for validation at the end."""
        if self.spool is None:
            return
        self.spool.write(data)
        if self.spool.tell() > self.spool_limit:
            raise too_large(self.spool_limit)

    def settle(self) -> None:
        """The cheap end-of-input checks: the file is not empty and its type is accepted.

        After these, the bytes may go to storage while :meth:`finish` does the
        rest (decoding an image in full, hashing the last chunk).
        """
        try:
            if self.size == 0:
                raise unprocessable("empty_file", "Berkas kosong.", "The file is empty.")
            if self.mime is None:
                self._decide()
                self._spool(bytes(self.head))
        except BaseException:
            self.close()
            raise

    def finish(self) -> Inspection:
        """Complete validation of everything fed; raises when the upload must be refused."""
        self.settle()
        try:
            width = height = None
            if self.mime in RASTER:
                width, height = self._check_image()
            elif self.mime == "image/svg+xml":
                width, height = check_svg(self.spool.getvalue())
            return Inspection(
                sha256=self.hasher.hexdigest(),
                size=self.size,
                mime=self.mime,
                kind=ALLOWED[self.mime],
                width=width,
                height=height,
            )
        finally:
            self.close()

    def close(self) -> None:
        self.hasher.stop()
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def _check_image(self) -> tuple[int, int]:
        self.spool.seek(0)
        size = check_image(self.spool, self.max_pixels)
        if self.image_hook is not None:
            self.spool.seek(0)
            self.image_hook(self.spool)
        return size


def check_image(stream, max_pixels: int) -> tuple[int, int]:
    """Decode an image in full; returns its size or raises Unprocessable.

    The pixel count is checked from the header before any pixel is decoded, so
    a decompression bomb is refused without allocating its canvas.
    """
    corrupt = unprocessable(
        "corrupt_image",
        "Gambar rusak atau tidak lengkap.",
        "The image is corrupt or incomplete.",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb(max_pixels) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise corrupt from exc
        with image:
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise _bomb(max_pixels)
            frames = getattr(image, "n_frames", 1)
            if frames * width * height > max_pixels * 4:
                raise _bomb(max_pixels)
            try:
                image.load()
                # Truncated or damaged data raises on load (or, for PNG, on verify).
                if image.format == "PNG":
                    stream.seek(0)
                    with Image.open(stream) as again:
                        again.verify()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _bomb(max_pixels) from None
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise corrupt from exc
    return width, height


def _bomb(max_pixels: int) -> Unprocessable:
    return unprocessable(
        "image_too_large",
        f"Gambar melebihi {max_pixels} piksel.",
        f"The image has more than {max_pixels} pixels.",
    )


# -- SVG ---------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "audio",
    "video",
}
_SAFE_DATA_URL = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


def _unsafe_svg(reason_id: str, reason_en: str) -> Unprocessable:
    return unprocessable(
        "unsafe_svg",
        f"SVG ditolak: {reason_id}.",
        f"SVG refused: {reason_en}.",
    )


def _reference_ok(value: str) -> bool:
    value = value.strip()
    return value == "" or value.startswith("#") or bool(_SAFE_DATA_URL.match(value))


def _css_ok(text: str) -> bool:
    lowered = text.lower()
    if "@import" in lowered or "expression(" in lowered or "javascript:" in lowered:
        return False
    return all(_reference_ok(ref) for ref in _CSS_URL.findall(text))


def check_svg(data: bytes) -> tuple[int | None, int | None]:
    """Refuse SVG that could run code or fetch anything; returns its size in px if stated.

    Scripts, event handlers, ``foreignObject`` and embedded documents, DTDs and
    entities, processing instructions (style sheets) and every reference that
    is not internal (``#id``) or an embedded raster image are refused.
    """
    if b"<!ENTITY" in data or b"<!entity" in data:
        raise _unsafe_svg("memuat deklarasi entitas", "it declares entities")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise unprocessable(
            "corrupt_image", "SVG bukan XML yang valid.", "The SVG is not well-formed XML."
        ) from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD or tree.docinfo.doctype:
        raise _unsafe_svg("memuat DOCTYPE", "it has a DOCTYPE")
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    if any(isinstance(node, etree._ProcessingInstruction) for node in outside):
        raise _unsafe_svg("memuat instruksi pemrosesan", "it has processing instructions")
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _unsafe_svg("elemen akar bukan <svg>", "the root element is not <svg>")
    for node in root.iter():
        if isinstance(node, etree._ProcessingInstruction):
            raise _unsafe_svg("memuat instruksi pemrosesan", "it has processing instructions")
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname.lower()
        if local in _FORBIDDEN_ELEMENTS:
            raise _unsafe_svg(f"memuat elemen <{local}>", f"it contains a <{local}> element")
        if local == "style" and not _css_ok(node.text or ""):
            raise _unsafe_svg("gaya memuat rujukan eksternal", "a style refers outside the file")
        for name, value in node.attrib.items():
            attr = etree.QName(name).localname.lower()
            if attr.startswith("on"):
                raise _unsafe_svg("memuat penangan peristiwa", "it has event handler attributes")
            if (name == XLINK_HREF or attr in {"href", "src"}) and not _reference_ok(value):
                raise _unsafe_svg("memuat rujukan eksternal", "it refers to external resources")
            if attr == "style" and not _css_ok(value):
                raise _unsafe_svg(
                    "gaya memuat rujukan eksternal", "a style refers outside the file"
                )
            if "javascript:" in value.lower().replace(" ", ""):
                raise _unsafe_svg("memuat javascript:", "it contains javascript: URLs")
            if "url(" in value.lower() and not _css_ok(value):
                raise _unsafe_svg("memuat rujukan eksternal", "it refers to external resources")
    return _svg_size(root)


def _svg_size(root) -> tuple[int | None, int | None]:
    width, height = (_LENGTH.match(root.get(name) or "") for name in ("width", "height"))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return round(float(box[2])), round(float(box[3]))
        except ValueError:
            return None, None
    return None, None
