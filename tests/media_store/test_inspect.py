"""What an upload is comes from its bytes: sniffing, the allow-list, images, SVG, names."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from hub.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from media_store.files import content_disposition, safe_filename
from media_store.inspect import ALLOWED, ContentInspector, check_svg, sniff
from tests.media_store.conftest import heic_from_a_phone, jpeg, png

SVG_OK = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="80" viewBox="0 0 120 80">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#e33"/></linearGradient></defs>
  <rect width="120" height="80" fill="url(#g)"/><use xlink:href="#g"/>
</svg>"""


def inspect(data: bytes, limit: int = 10**9, chunk: int = 1000):
    inspector = ContentInspector(limit=limit)
    for start in range(0, len(data), chunk):
        inspector.feed(data[start : start + chunk])
    return inspector.finish()


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (jpeg((40, 30)), "image/jpeg"),
        (png((40, 30)), "image/png"),
        (b"GIF89a" + b"\0" * 20, "image/gif"),
        (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", "video/mp4"),
        (b"\0\0\0\x14ftypqt  \0\0\0\0qt  ", "video/quicktime"),
        (b"\0\0\0\x1cftypheic\0\0\0\0mif1heicmiaf", "image/heic"),
        (b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic", "image/heic"),
        (b"\0\0\0\x18ftypmif1\0\0\0\0mif1miaf", "image/heif"),
        (b"\0\0\0\x1cftypmif1\0\0\0\0mif1avifmiaf", "image/avif"),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", "image/avif"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm", "video/webm"),
        (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg"),
        (b"OggS\0\x02" + b"\0" * 22 + b"\x01vorbis", "audio/ogg"),
        (b"fLaC\0\0\0\x22", "audio/flac"),
        (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
        (SVG_OK, "image/svg+xml"),
    ],
)
def test_accepted_types_are_sniffed_from_the_bytes(head, mime):
    assert sniff(head) == mime
    assert mime in ALLOWED


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff" + b"\0" * 100, "application/x-msdownload"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 100, "application/x-elf"),
        (b"<!DOCTYPE html><html><body>Bukan gambar</body></html>", "text/html"),
        (b"  <script>alert(1)</script>", "text/html"),
        (b"#!/bin/sh\nrm -rf /\n", "text/x-shellscript"),
        (b"PK\x03\x04\x14\0\0\0" + b"\0" * 50, "application/zip"),
        (b"console.log('x')", "text/plain"),
    ],
)
def test_refused_types_answer_415_before_anything_else(data, detected):
    with pytest.raises(UnsupportedMediaType) as raised:
        inspect(data)
    assert raised.value.status == 415
    assert raised.value.code == "unsupported_media_type"
    assert raised.value.extra["detected"] == detected


def test_the_type_is_refused_after_the_first_bytes_not_at_the_end():
    inspector = ContentInspector(limit=10**9)
    with pytest.raises(UnsupportedMediaType):
        inspector.feed(b"MZ" + b"\0" * 8190)


def test_a_file_name_or_claimed_type_does_not_matter():
    result = inspect(jpeg((64, 48)))
    assert (result.mime, result.kind, result.width, result.height) == (
        "image/jpeg",
        "image",
        64,
        48,
    )


def test_size_limit_is_enforced_while_streaming():
    with pytest.raises(PayloadTooLarge) as raised:
        inspect(b"%PDF-1.7\n" + b"x" * 5000, limit=4096)
    assert raised.value.status == 413


def test_sha256_and_size_are_computed_in_one_pass():
    import hashlib

    data = jpeg((300, 200))
    result = inspect(data, chunk=777)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)


def test_truncated_image_is_unprocessable():
    data = jpeg((800, 600))
    with pytest.raises(Unprocessable) as raised:
        inspect(data[: len(data) // 2])
    assert raised.value.status == 422 and raised.value.code == "corrupt_image"


def test_a_heic_photo_is_an_image_with_its_upright_size():
    found = inspect(heic_from_a_phone())
    assert (found.mime, found.kind) == ("image/heic", "image")
    assert (found.width, found.height) == (1200, 1600)


def test_a_heic_over_the_pixel_limit_is_refused(settings):
    settings.HUB_MEDIA_MAX_PIXELS = 1_000_000  # the photo has 1.92 Mpx
    with pytest.raises(Unprocessable) as raised:
        inspect(heic_from_a_phone())
    assert raised.value.code == "image_too_large"


def test_truncated_heic_is_unprocessable():
    data = heic_from_a_phone()
    with pytest.raises(Unprocessable) as raised:
        inspect(data[: len(data) // 2])
    assert raised.value.code == "corrupt_image"


def test_damaged_png_is_unprocessable():
    data = bytearray(png((200, 200)))
    data[60:80] = b"\xff" * 20  # inside the IDAT chunk: its CRC no longer matches
    with pytest.raises(Unprocessable) as raised:
        inspect(bytes(data))
    assert raised.value.code == "corrupt_image"


def test_decompression_bomb_is_refused_from_its_header(settings):
    settings.HUB_MEDIA_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (4000, 4000)).save(out, "PNG")  # 16 Mpx that compress to a few KiB
    assert len(out.getvalue()) < 20_000
    with pytest.raises(Unprocessable) as raised:
        inspect(out.getvalue())
    assert raised.value.code == "image_too_large"


def test_safe_svg_is_accepted_with_its_size():
    result = inspect(SVG_OK)
    assert result.mime == "image/svg+xml" and (result.width, result.height) == (120, 80)


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="https://evil.example/track.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/x.css);'
        b"</style></svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/#a)"/>'
        b"</svg>",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
        b'<?xml-stylesheet href="https://evil.example/s.css"?>'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_svg_with_scripts_or_external_references_is_refused(svg):
    with pytest.raises(Unprocessable) as raised:
        check_svg(svg)
    assert raised.value.code == "unsafe_svg"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/var/www/index.html", "index.html"),
        (".htaccess", "htaccess"),
        ("foto\x00.jpg", "foto_.jpg"),
        ("a<b>c|d?.png", "a_b_c_d_.png"),
        ("..", "berkas"),
        ("", "berkas"),
        ("banjir bandang 2026.JPG", "banjir bandang 2026.JPG"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ],
)
def test_file_names_with_path_tricks_are_neutralised(raw, safe):
    assert safe_filename(raw) == safe


def test_content_disposition_is_ascii_safe_and_keeps_the_utf8_name():
    header = content_disposition('Peta "rawan" bencana—Jatim.pdf')
    assert header.startswith('attachment; filename="Peta _rawan_ bencana_Jatim.pdf"')
    assert "filename*=UTF-8''Peta%20_rawan_%20bencana%E2%80%94Jatim.pdf" in header
