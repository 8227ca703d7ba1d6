"""Compiled reads held side by side with the path they stand in for.

A compiled REST list must answer what building its queryset every time
answers; a compiled GraphQL list what graphql-core answers. These helpers run
each request both ways through the public interface and assert the answers
are equal, so a test cannot pass by never compiling: they also report whether
a compiled plan was left behind.
"""

from __future__ import annotations

from django.test import override_settings

from api.plans import plans


def _get(client, path: str) -> tuple[int, dict]:
    response = client.get(path)
    return response.status_code, response.json()


def rest_answer(client, path: str, viewset, monkeypatch) -> tuple[int, dict]:
    """The compiled answer to GET `path`, asserted equal to the built one."""
    compiled = _get(client, path)
    monkeypatch.setattr(viewset, "compiled_lists", False)
    built = _get(client, path)
    monkeypatch.setattr(viewset, "compiled_lists", True)
    assert compiled == built, path
    return compiled


def rest_lists_agree(clients, paths: list[str], viewset, monkeypatch) -> set:
    """Every path for every client (plan made, then reused, then the next page) agrees.

    Pass the most privileged client first: a plan wrongly shared would then show
    more to the others. Returns the ids of every item read.
    """
    plans.clear()
    seen = set()
    for path in paths:
        for client in clients:
            for _ in range(2):  # the plan is made, then reused
                status, body = rest_answer(client, path, viewset, monkeypatch)
            if status != 200:
                continue
            seen.update(item["id"] for item in body["results"])
            if body["next"]:  # the next page, through its cursor
                rest_answer(client, body["next"].split("testserver", 1)[1], viewset, monkeypatch)
    assert any(key[0] is viewset for key in plans)
    return seen


def graphql_answer(client, query: str, variables: dict | None = None) -> tuple[int, dict]:
    response = client.post("/graphql", {"query": query, "variables": variables or {}})
    return response.status_code, response.json()


def graphql_both(client, query: str, variables: dict | None = None):
    """(compiled answer, graphql-core's answer) to the same request."""
    compiled = graphql_answer(client, query, variables)
    with override_settings(HUB_GRAPHQL_COMPILED=False):
        full = graphql_answer(client, query, variables)
    return compiled, full


def graphql_plans(query: str) -> list:
    """The compiled plans kept for `query`."""
    return [key for key in plans if key[0] == "graphql" and key[1] == query]


def graphql_lists_agree(clients, query: str) -> tuple[int, bool]:
    """`query` answers alike compiled and not for every client.

    Returns the edges read (all clients together) and whether it compiled.
    """
    plans.clear()
    edges = 0
    for client in clients:
        compiled, full = graphql_both(client, query)
        assert compiled == full
        status, body = compiled
        assert status == 200 and "errors" not in body, body
        edges += len(next(iter(body["data"].values()))["edges"])
    return edges, bool(graphql_plans(query))
