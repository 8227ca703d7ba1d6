"""Asserting a problem+json answer: its status, media type and stable code."""

from __future__ import annotations


def assert_problem(response, status: int, code: str) -> dict:
    """The problem document of `response`, after checking it says `status` and `code`."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status, body
    return body
