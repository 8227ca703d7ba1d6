"""The floor for the API benchmark: the same SQL and the same JSON with nothing else.

A minimal WSGI app with one psycopg connection per thread, encoding with orjson.
The hub's read path is measured against this in the same run.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import parse_qs

import orjson
import psycopg

_local = threading.local()

REGIONS_SQL = (
    "SELECT code, name, level, kind, parent_id FROM agencies_region"
    " WHERE parent_id = %s ORDER BY code LIMIT %s"
)
AGENCIES_SQL = (
    "SELECT a.id, a.slug, a.name, a.acronym, a.type, a.region_id, a.status,"
    " r.code, r.name, r.level, r.kind"
    " FROM agencies_agency a LEFT JOIN agencies_region r ON r.code = a.region_id"
    " WHERE a.status = 'active' ORDER BY a.name, a.id LIMIT %s"
)


def _conn() -> psycopg.Connection:
    if getattr(_local, "conn", None) is None:
        _local.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _local.conn


def _regions(query: dict) -> dict:
    limit = int(query.get("limit", ["50"])[0])
    rows = _conn().execute(REGIONS_SQL, [query.get("parent", [""])[0], limit + 1]).fetchall()
    results = [
        {"code": c, "name": n, "level": lv, "kind": k, "parent": p} for c, n, lv, k, p in rows
    ]
    return {"results": results[:limit], "next": None}


def _agencies(query: dict) -> dict:
    limit = int(query.get("limit", ["50"])[0])
    rows = _conn().execute(AGENCIES_SQL, [limit + 1]).fetchall()
    results = [
        {
            "id": row[0],
            "slug": row[1],
            "name": row[2],
            "acronym": row[3],
            "type": row[4],
            "status": row[6],
            "region": None
            if row[7] is None
            else {"code": row[7], "name": row[8], "level": row[9], "kind": row[10]},
        }
        for row in rows
    ]
    return {"results": results[:limit], "next": None}


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if path.startswith("/regions"):
        body = orjson.dumps(_regions(query))
    elif path.startswith("/agencies"):
        body = orjson.dumps(_agencies(query))
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
