"""Demo media for `make run`: a few generated pictures shared by the demo agencies.

Idempotent: an asset already present (same bytes, same agency) is kept as it is.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from agencies import policy
from agencies.models import Agency

PLATFORM = policy.Principal(kind="user", label="demo", is_platform_admin=True)

PICTURES = [
    {
        "agency": "bnpb",
        "filename": "posko-pengungsian.jpg",
        "colors": ((230, 120, 20), (250, 220, 160)),
        "data": {
            "title": "Posko pengungsian banjir",
            "description": "Ilustrasi posko pengungsian untuk materi sosialisasi kesiapsiagaan.",
            "alt_text": "Tenda posko berwarna oranye di lapangan terbuka",
            "tags": ["banjir", "pengungsian", "kesiapsiagaan"],
            "visibility": "public",
            "credit": "BNPB",
        },
    },
    {
        "agency": "bmkg",
        "filename": "peta-cuaca.png",
        "colors": ((20, 80, 160), (150, 200, 240)),
        "data": {
            "title": "Peta prakiraan cuaca",
            "description": "Latar peta prakiraan cuaca untuk siaran pers.",
            "alt_text": "Gradasi biru peta prakiraan cuaca",
            "tags": ["cuaca", "prakiraan"],
            "visibility": "agencies",
            "credit": "BMKG",
        },
    },
]


def _picture(colors, fmt: str) -> bytes:
    width, height = 1600, 1000
    image = Image.new("RGB", (width, height), colors[0])
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        row = tuple(round(a + (b - a) * t) for a, b in zip(colors[0], colors[1], strict=True))
        draw.line([(0, y), (width, y)], fill=row)
    draw.ellipse([(600, 300), (1000, 700)], outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def demo_media() -> None:
    """Upload, render and publish the demo pictures."""
    from media_store.services import asset_process, asset_publish, asset_upload_stream

    for item in PICTURES:
        agency = Agency.objects.filter(slug=item["agency"]).first()
        if agency is None:
            continue
        fmt = "PNG" if item["filename"].endswith(".png") else "JPEG"
        data = _picture(item["colors"], fmt)
        asset, created = asset_upload_stream(
            principal=PLATFORM,
            agency=agency,
            chunks=[data],
            filename=item["filename"],
            data=item["data"],
        )
        if created:
            asset = asset_process(asset_id=asset.pk)
            if asset is not None and asset.status == asset.Status.READY:
                asset_publish(principal=PLATFORM, asset=asset)
