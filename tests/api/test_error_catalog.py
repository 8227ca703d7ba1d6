"""docs/errors.md explains every problem code the hub can answer, and no other.

The codes are read from where the code defines them: the error kinds
(hub/errors.py), every ``code="…"`` a refusal is raised with, the media
inspector's rejections, the contact directory's named clashes, GraphQL's own
extension codes and the proxy configuration's answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from agencies.contacts.services import CONFLICT_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "docs" / "errors.md"
SOURCES = ("hub", "agencies", "media_store", "api")

PATTERNS = [
    re.compile(r'\bcode="([a-z][a-z0-9_]*)"'),  # raise Conflict(..., code="office_in_use")
    re.compile(r'_kind\(\s*\d{3},\s*"([a-z][a-z0-9_]*)"'),  # the error kinds
    re.compile(r'\bunprocessable\(\s*"([a-z][a-z0-9_]*)"'),  # media inspection
    re.compile(r'setdefault\("code", "([a-z][a-z0-9_]*)"\)'),  # GraphQL view
    re.compile(r'extensions=\{"code": "([a-z][a-z0-9_]*)"'),  # GraphQL limits
]
# Rejections the media inspector builds from a variable: listed next to the call.
INSPECTOR_CODE = re.compile(r'^\s+"([a-z]+_[a-z_]+)",\s*$', re.MULTILINE)


def _codes_in_source() -> set[str]:
    found: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for pattern in PATTERNS:
                found.update(pattern.findall(text))
    inspector = (ROOT / "media_store" / "inspect.py").read_text()
    for call in re.finditer(r"unprocessable\(\s*\n(.*?)\)", inspector, re.DOTALL):
        found.update(INSPECTOR_CODE.findall(call.group(1)))
    found.update(CONFLICT_MESSAGES)
    for template in (ROOT / "deploy" / "nginx").glob("*.template"):
        found.update(re.findall(r'"code": "([a-z_]+)"', template.read_text()))
    return found


def _codes_in_catalog() -> set[str]:
    return set(re.findall(r"^\| `([a-z][a-z0-9_]*)` \|", CATALOG.read_text(), re.MULTILINE))


def test_the_scan_finds_codes_of_every_kind():
    found = _codes_in_source()
    # One of each way a code is defined, so a broken pattern cannot pass silently.
    assert {
        "not_found",  # an error kind
        "office_in_use",  # code="…"
        "empty_file",  # unprocessable("…")
        "unsafe_svg",  # unprocessable(\n "…",
        "graphql_invalid",  # GraphQL view
        "query_too_costly",  # GraphQL limits
        "contact_exists",  # contact clashes
        "hub_unavailable",  # the proxy
    } <= found
    assert len(found) > 70


def test_every_code_is_explained():
    missing = _codes_in_source() - _codes_in_catalog()
    assert not missing, f"docs/errors.md does not explain: {sorted(missing)}"


def test_the_catalog_explains_only_codes_in_use():
    stale = _codes_in_catalog() - _codes_in_source()
    assert not stale, f"docs/errors.md explains codes nothing answers: {sorted(stale)}"
