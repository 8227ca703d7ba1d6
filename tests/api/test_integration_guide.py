"""docs/integration.md runs: its `sh` blocks, in order, with curl against a live hub.

The guide's blocks check what they show (``test``, ``grep``, ``jq -e``), and
`set -euo pipefail` makes any failed step fail the run. Afterwards the
database must show what the guide did.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from agencies.contacts.services import contact_create
from hub.facts import services
from media_store.models import MediaAsset
from tests.facts.conftest import (
    advance,
    bulletin_data,
    claim_data,
    clarification_data,
    principal,
)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
LINK_URL = "https://www.facebook.com/groups/infowarga/posts/8801/?fbclid=abc"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def guide_script() -> str:
    blocks = re.findall(r"^```sh\n(.*?)^```", GUIDE.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 11, "the guide lost its examples"
    return "set -euo pipefail\n" + "\n".join(blocks)


def _jpeg(path: Path, size: tuple[int, int], *, noise: bool = False) -> None:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (30, 90, 160))
        image.paste((230, 200, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())


def _published_clarification(make_agency, make_user):
    """A ministry's published clarification of a claim first seen at LINK_URL."""
    ministry = make_agency("komdigi", name="Kementerian Komunikasi dan Digital")
    editor = principal(make_user(ministry, "editor"))
    verifier = principal(make_user(ministry, "verifier"))
    claim = services.claim_create(
        principal=editor,
        agency=ministry,
        data=claim_data(appearances=[{"url": LINK_URL, "is_first": True}]),
    )
    item = services.clarification_create(
        principal=editor, agency=ministry, data=clarification_data(claim.pk)
    )
    item = services.clarification_submit(principal=editor, clarification=item)
    item = services.clarification_approve(principal=verifier, clarification=item)
    return services.clarification_publish(principal=verifier, clarification=item)


def test_every_example_of_the_integration_guide_runs_against_a_live_hub(
    live_server, settings, tmp_path, make_agency, make_user, make_key
):
    settings.HUB_STORAGE = "local"
    settings.HUB_MEDIA_ROOT = str(tmp_path / "media")
    agency = make_agency("bpbd-jatim", name="BPBD Provinsi Jawa Timur", region="35")
    make_agency("bmkg", name="Badan Meteorologi, Klimatologi, dan Geofisika")
    key = make_key(agency, "content:read", "media:write")
    settings.HUB_PUBLIC_URL = live_server.url  # links in documents point at this hub
    editor, verifier = make_user(agency, "editor"), make_user(agency, "verifier")
    advance(  # a flood warning for Kecamatan Poncokusumo (35.07.07)
        services.bulletin_create(principal=principal(editor), agency=agency, data=bulletin_data()),
        "published",
        principal(editor),
        principal(verifier),
    )
    contact_create(  # the province's disaster line, on no office: it serves all of 35
        principal=principal(editor),
        agency=agency,
        data={"channel": "voice", "value": "(031) 8550222", "purpose": "hotline"},
    )
    clarification = _published_clarification(make_agency, make_user)
    work = tmp_path / "work"
    work.mkdir()
    _jpeg(work / "foto-banjir.jpg", (1600, 1200))
    _jpeg(work / "citra-satelit.jpg", (1400, 1000), noise=True)
    assert (work / "citra-satelit.jpg").stat().st_size > 1_000_000  # two tus requests

    run = subprocess.run(
        ["bash", "-c", guide_script()],
        cwd=work,
        env={"PATH": os.environ["PATH"], "HUB": live_server.url, "KEY": key, "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"

    lines = run.stdout.splitlines()
    assert lines.pop(0) == (
        '{"kind":"system","scopes":["content:read","media:write"],"agencies":["bpbd-jatim"]}'
    )
    # Two pages of agencies: the second one came from following `next`.
    assert lines[0] == (
        '[{"slug":"bpbd-jatim","name":"BPBD Provinsi Jawa Timur"},'
        '{"slug":"bmkg","name":"Badan Meteorologi, Klimatologi, dan Geofisika"}]'
    )
    assert lines[1] == '["komdigi"]'
    # The warning for the district reaches a village in it.
    assert '{"event":"banjir","urgency":"Immediate","severity":"Severe"}' in lines
    # A village of Kabupaten Malang with no hotline of its own reaches the province's.
    assert '{"found_at":"provinsi","numbers":["+62318550222"]}' in lines
    photo, satellite = MediaAsset.objects.filter(agency=agency).order_by("id")
    assert "X-Simpul-Duplicate: true" in lines
    assert f"X-Simpul-Asset: {satellite.pk}" in lines
    # The If-Match edit went through once; the stale one and the GraphQL one did not.
    assert (photo.title, photo.version) == ("Banjir di Dampit, 3 Maret", 2)
    assert satellite.size == (work / "citra-satelit.jpg").stat().st_size
    assert satellite.original_filename == "citra-satelit.jpg"
    assert clarification.status == "published"
