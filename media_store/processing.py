"""Turning an original into what agencies publish: renditions, facts, a perceptual hash.

Pure functions over files and images; no database, no storage. The worker
(``media_store.services.asset_process``) feeds them the original and stores
what they return.

Every rendition is re-encoded from pixels alone: no EXIF, XMP, GPS, ICC
profile (colours are converted to sRGB first) or any other metadata of the
original survives into it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import imagehash
from PIL import Image, ImageCms, ImageOps

TOOL_TIMEOUT = 600  # seconds; a stuck ffmpeg must not hold a worker forever


@dataclass(frozen=True)
class Preset:
    """A rendition shape. ``crop`` presets fill the exact size around the focal point."""

    name: str
    width: int
    height: int
    crop: bool


PRESETS: tuple[Preset, ...] = (
    Preset("thumbnail", 320, 320, crop=False),
    Preset("web", 1280, 1280, crop=False),
    Preset("square", 1080, 1080, crop=True),
    Preset("portrait", 1080, 1350, crop=True),
    Preset("story", 1080, 1920, crop=True),
    Preset("landscape", 1200, 675, crop=True),
    Preset("link_preview", 1200, 630, crop=True),
)
FORMATS: tuple[str, ...] = ("webp", "jpeg")
EXPECTED_RENDITIONS = len(PRESETS) * len(FORMATS)
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


class ProcessingFailed(Exception):
    """The original cannot be processed (corrupt, unsupported inside a valid container)."""


@dataclass
class RenditionFile:
    name: str
    format: str
    width: int
    height: int
    data: bytes


@dataclass
class Result:
    """What processing learned about an original and the renditions it produced."""

    width: int | None = None
    height: int | None = None
    duration: float | None = None
    pages: int | None = None
    phash: str = ""
    kind: str | None = None  # set when the bytes turn out to be another kind
    renditions: list[RenditionFile] = field(default_factory=list)


# -- images ------------------------------------------------------------------------------

_SRGB = ImageCms.createProfile("sRGB")


def _needed_scale(width: int, height: int) -> float:
    scale = 0.0
    for preset in PRESETS:
        for w, h in ((width, height), (height, width)):  # before or after EXIF rotation
            if preset.crop:
                scale = max(scale, preset.width / w, preset.height / h)
            else:
                scale = max(scale, min(preset.width / w, preset.height / h, 1.0))
    return min(scale, 1.0)


def open_for_rendering(source: Path | io.BytesIO, *, max_pixels: int) -> Image.Image:
    """Open an image upright, in sRGB, RGB or RGBA, decoded no larger than renditions need."""
    image = Image.open(source)
    width, height = image.size
    if width * height > max_pixels:
        raise ProcessingFailed(f"image has {width}×{height} pixels, over the limit")
    if image.format == "JPEG":
        # JPEG can decode at 1/2, 1/4 or 1/8 scale, much faster than full size.
        scale = _needed_scale(width, height)
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        image = ImageOps.exif_transpose(image)
        alpha = image.mode in ("RGBA", "LA", "La", "RGBa", "PA") or "transparency" in image.info
        icc = image.info.get("icc_profile")
        if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
            # Print files come in CMYK with a profile: convert colours, not just
            # channels. An unusable profile leaves the channels to convert as they are.
            with contextlib.suppress(ImageCms.PyCMSError, OSError):
                image = ImageCms.profileToProfile(
                    image,
                    ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                    _SRGB,
                    outputMode="RGBA" if image.mode == "RGBA" else "RGB",
                )
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if alpha else "RGB")
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ProcessingFailed(f"cannot decode image: {exc}") from exc
    image.info = {}
    return image


def _cover(image: Image.Image, preset: Preset, focal: tuple[float, float]) -> Image.Image:
    width, height = image.size
    scale = max(preset.width / width, preset.height / height)
    crop_w, crop_h = preset.width / scale, preset.height / scale
    left = min(max(focal[0] * width - crop_w / 2, 0), width - crop_w)
    top = min(max(focal[1] * height - crop_h / 2, 0), height - crop_h)
    return image.resize(
        (preset.width, preset.height),
        Image.Resampling.LANCZOS,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=3.0,
    )


def _fit(image: Image.Image, preset: Preset) -> Image.Image:
    width, height = image.size
    scale = min(preset.width / width, preset.height / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size == image.size:
        return image.copy()
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode pixels only: no EXIF, XMP, ICC or comments are written."""
    out = io.BytesIO()
    if fmt == "jpeg":
        if image.mode == "RGBA":
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A"))
            image = background
        image.save(out, "JPEG", quality=85, progressive=True, optimize=True)
    else:
        image.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def _render_preset(image: Image.Image, preset: Preset, focal) -> list[RenditionFile]:
    shaped = _cover(image, preset, focal) if preset.crop else _fit(image, preset)
    shaped.info = {}
    return [
        RenditionFile(preset.name, fmt, shaped.width, shaped.height, encode(shaped, fmt))
        for fmt in FORMATS
    ]


def render(image: Image.Image, focal: tuple[float, float] = (0.5, 0.5)) -> list[RenditionFile]:
    """Every preset in every format, cropped around `focal` (fractions of width and height)."""
    workers = min(len(PRESETS), max(1, (os.cpu_count() or 1)))
    # Pillow releases the GIL while resizing and encoding, so presets render in parallel.
    with ThreadPoolExecutor(workers, thread_name_prefix="rendition") as pool:
        batches = pool.map(lambda preset: _render_preset(image, preset, focal), PRESETS)
        return [item for batch in batches for item in batch]


def phash_of(image: Image.Image) -> str:
    """The 64-bit perceptual hash (hex) of an image from :func:`open_for_rendering`.

    Resized or re-encoded copies of the same picture hash alike (a small
    Hamming distance), which is what a lookup for near matches relies on.
    """
    small = image.convert("RGB")
    small.thumbnail((512, 512), Image.Resampling.LANCZOS)
    return str(imagehash.phash(small))


def phash_bits(phash: str) -> int:
    """The hash as a signed 64-bit integer, as PostgreSQL ``bigint`` stores it."""
    value = int(phash, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def process_image(path: Path, *, focal, max_pixels: int) -> Result:
    with Image.open(path) as probe:
        width, height = ImageOps.exif_transpose(probe).size if _rotated(probe) else probe.size
    image = open_for_rendering(path, max_pixels=max_pixels)
    return Result(
        width=width, height=height, phash=phash_of(image), renditions=render(image, focal)
    )


def _rotated(image: Image.Image) -> bool:
    return image.getexif().get(0x0112, 1) in (5, 6, 7, 8)


def rasterise_svg(path: Path) -> Image.Image:
    """Render an SVG (already checked: no scripts, no external references) to pixels."""
    result = _run(
        ["rsvg-convert", "--width", "2048", "--keep-aspect-ratio", "-f", "png", str(path)]
    )
    return Image.open(io.BytesIO(result.stdout))


def process_svg(path: Path, *, focal, width: int | None, height: int | None) -> Result:
    image = rasterise_svg(path)
    image.load()
    image = image.convert("RGBA")
    return Result(
        width=width or image.width,
        height=height or image.height,
        phash=phash_of(image),
        renditions=render(image, focal),
    )


# -- video and audio -----------------------------------------------------------------------


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(
            args, capture_output=True, timeout=TOOL_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError as exc:
        raise RuntimeError(f"{args[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise ProcessingFailed(f"{args[0]} did not finish") from exc
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise ProcessingFailed(f"{args[0]}: {message[-1] if message else 'failed'}")
    return result


def probe_media(source: str) -> dict:
    """ffprobe's view of a video or audio file (a path or an http URL)."""
    result = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            source,
        ]
    )
    return json.loads(result.stdout or b"{}")


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or ():
        if "rotation" in side:
            return abs(int(float(side["rotation"]))) % 180
    return abs(int(stream.get("tags", {}).get("rotate", 0) or 0)) % 180


def process_av(source: str, *, kind: str, focal, max_pixels: int) -> Result:
    """Duration and dimensions of audio/video; for video also a poster frame and renditions."""
    info = probe_media(source)
    try:
        duration = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = None
    video = next(
        (
            s
            for s in info.get("streams", ())
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    audio = any(s.get("codec_type") == "audio" for s in info.get("streams", ()))
    if video is None:
        if not audio:
            raise ProcessingFailed("no audio or video stream")
        return Result(duration=duration, kind="audio")
    if kind == "audio":
        return Result(duration=duration)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if _rotation(video) == 90:
        width, height = height, width
    if not width or not height:
        raise ProcessingFailed("video stream without dimensions")
    poster = poster_frame(source, duration)
    image = open_for_rendering(io.BytesIO(poster), max_pixels=max_pixels)
    return Result(
        width=width,
        height=height,
        duration=duration,
        phash=phash_of(image),
        renditions=render(image, focal),
    )


def poster_frame(source: str, duration: float | None) -> bytes:
    """One representative frame as PNG: a second in, or a tenth of a short clip."""
    at = min(1.0, (duration or 0) / 10)
    for seek in (at, 0.0):
        try:
            result = _run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-ss",
                    f"{seek:.3f}",
                    "-i",
                    source,
                    "-frames:v",
                    "1",
                    "-f",
                    "image2",
                    "-c:v",
                    "png",
                    "pipe:1",
                ]
            )
        except ProcessingFailed:
            continue
        if result.stdout:
            return result.stdout
    raise ProcessingFailed("no frame could be decoded")


# -- documents -----------------------------------------------------------------------------


def process_pdf(path: Path, *, focal, max_pixels: int) -> Result:
    """Page count and a rendering of the first page (pdfinfo/pdftoppm from poppler-utils)."""
    info = _run(["pdfinfo", str(path)]).stdout.decode(errors="replace")
    pages = None
    for line in info.splitlines():
        if line.startswith("Pages:"):
            pages = int(line.split(":", 1)[1].strip())
    if not pages:
        raise ProcessingFailed("the PDF has no pages")
    with tempfile.TemporaryDirectory(prefix="simpul-pdf-") as tmp:
        prefix = Path(tmp) / "page"
        _run(
            [
                "pdftoppm",
                "-f",
                "1",
                "-l",
                "1",
                "-scale-to",
                "2048",
                "-png",
                "-singlefile",
                str(path),
                str(prefix),
            ]
        )
        image = open_for_rendering(prefix.with_suffix(".png"), max_pixels=max_pixels)
    return Result(
        width=image.width,
        height=image.height,
        pages=pages,
        phash=phash_of(image),
        renditions=render(image, focal),
    )
