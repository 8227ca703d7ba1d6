"""Requests through ``hub.wsgi.application``, as the production server makes them.

Django's test client calls Django's handler directly, past the read lane in
front of it (:mod:`api.lane`). This caller goes through the whole WSGI
application instead and keeps count of the requests the full Django cycle
served, so a test can tell which of the two answered.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

import hub.wsgi


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self):
        return orjson.loads(self.body)


class WsgiCaller:
    def __init__(self, monkeypatch):
        self.full_cycles = 0
        django_application = hub.wsgi.lane.application

        def counted(environ, start_response):
            self.full_cycles += 1
            return django_application(environ, start_response)

        monkeypatch.setattr(hub.wsgi.lane, "application", counted)

    def get(self, path: str, **headers: str) -> Answer:
        """GET `path`; headers as WSGI names (``HTTP_AUTHORIZATION="Bearer …"``)."""
        return self.call(RequestFactory().get(path, **headers).environ)

    def graphql(self, query: str, variables: dict | None = None, **headers: str) -> Answer:
        """POST a GraphQL document to ``/graphql`` as JSON."""
        body = orjson.dumps({"query": query, "variables": variables or {}})
        factory = RequestFactory()
        return self.call(
            factory.post("/graphql", body, content_type="application/json", **headers).environ
        )

    def call(self, environ: dict) -> Answer:
        answered = {}

        def start_response(status, response_headers, exc_info=None):
            answered["status"], answered["headers"] = int(status.split()[0]), response_headers

        # As Django's test client does: the test's transaction must outlive the request.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = hub.wsgi.application(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return Answer(answered["status"], list(answered["headers"]), body)
