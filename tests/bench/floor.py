"""The floor for the API benchmark: the hub's SQL and the hub's JSON with nothing else.

A minimal WSGI app: one psycopg connection per thread, the statements the hub
ran for the scenario (captured from the hub itself when the benchmark starts,
read from the file named by ``BENCH_FLOOR_PLAN``), rows shaped into the same
JSON document the hub answers, encoded with orjson. The benchmark checks that
both answer equal documents before it measures anything.
"""

from __future__ import annotations

import base64
import os
import threading

import orjson
import psycopg

_local = threading.local()


def _conn() -> psycopg.Connection:
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _local.conn


def _load_plan() -> dict:
    path = os.environ.get("BENCH_FLOOR_PLAN")
    if not path:
        return {}
    with open(path, "rb") as handle:
        return orjson.loads(handle.read())


class Columns:
    """Column positions by name in a result (the n-th column of that name)."""

    def __init__(self, description):
        self.names = [column.name for column in description]

    def __call__(self, name: str, nth: int = 0) -> int:
        positions = [i for i, column in enumerate(self.names) if column == name]
        return positions[nth]


def _next(cols, rows, spec) -> str | None:
    """The hub's next-page link: its cursor is the last row's ordering values."""
    limit = spec["limit"]
    if len(rows) <= limit:
        return None
    values = [rows[limit - 1][cols(name)] for name in spec["ordering"]]
    cursor = base64.urlsafe_b64encode(orjson.dumps(values, default=str)).decode().rstrip("=")
    return spec["next_prefix"] + cursor


def regions_rest(cols, rows, spec):
    code, name, level, kind, parent = (
        cols(n) for n in ("code", "name", "level", "kind", "parent_id")
    )
    limit = spec["limit"]
    results = [
        {"code": r[code], "name": r[name], "level": r[level], "kind": r[kind], "parent": r[parent]}
        for r in rows[:limit]
    ]
    return {"results": results, "next": _next(cols, rows, spec)}


def _government(domain: str) -> bool:
    return domain == "go.id" or domain.endswith(".go.id")


def agencies_rest(cols, rows, spec):
    names = [
        "id",
        "slug",
        "name",
        "acronym",
        "type",
        "parent__slug",
        "official_domains",
        "website",
        "status",
        "identifiers",
        "version",
        "created_at",
        "updated_at",
    ]
    at = {name: cols(name) for name in names}
    region = [cols(f"region__{part}") for part in ("code", "name", "level", "kind")]
    limit = spec["limit"]
    results = []
    for r in rows[:limit]:
        item = {name: r[at[name]] for name in names}
        item["parent"] = item.pop("parent__slug")
        nested = dict(zip(("code", "name", "level", "kind"), (r[i] for i in region), strict=True))
        item["region"] = None if all(v is None for v in nested.values()) else nested
        item["non_government_domains"] = [d for d in item["official_domains"] if not _government(d)]
        results.append(item)
    return {"results": results, "next": _next(cols, rows, spec)}


def regions_graphql(cols, rows, spec):
    code, name, level, kind, parent = (
        cols(n) for n in ("code", "name", "level", "kind", "parent__code")
    )
    edges = [
        {
            "node": {
                "code": r[code],
                "name": r[name],
                "level": r[level],
                "kind": r[kind].upper(),
                "parent": None if r[parent] is None else {"code": r[parent]},
            }
        }
        for r in rows[: spec["limit"]]
    ]
    return {"data": {"regions": {"edges": edges}}}


def agencies_graphql(cols, rows, spec):
    at = {n: cols(n) for n in ("id", "slug", "name", "acronym", "type", "status")}
    region = [cols(f"region__{n}") for n in ("code", "name", "level", "kind")]
    edges = []
    for r in rows[: spec["limit"]]:
        node = {
            "databaseId": r[at["id"]],
            "slug": r[at["slug"]],
            "name": r[at["name"]],
            "acronym": r[at["acronym"]],
            "type": r[at["type"]].upper(),
            "status": r[at["status"]].upper(),
            "region": None
            if r[region[0]] is None
            else {
                "code": r[region[0]],
                "name": r[region[1]],
                "level": r[region[2]],
                "kind": r[region[3]].upper(),
            },
        }
        edges.append({"node": node})
    return {"data": {"agencies": {"edges": edges}}}


SHAPES = {
    "regions_rest": regions_rest,
    "agencies_rest": agencies_rest,
    "regions_graphql": regions_graphql,
    "agencies_graphql": agencies_graphql,
}
PLAN = _load_plan()


def answer(name: str) -> bytes:
    """Run the scenario's statements in order and encode the document from the main one."""
    spec = PLAN[name]
    with _conn().cursor() as cursor:
        for index, statement in enumerate(spec["statements"]):
            cursor.execute(statement)
            if index == spec["rows_from"]:
                rows = cursor.fetchall()
                cols = Columns(cursor.description)
    return orjson.dumps(SHAPES[name](cols, rows, spec))


def application(environ, start_response):
    name = environ["PATH_INFO"].strip("/")
    if name not in PLAN:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    body = answer(name)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
