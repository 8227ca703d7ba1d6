"""Rendering the hub's errors as RFC 9457 problem details (REST) and typed errors (GraphQL)."""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus

import orjson
import psycopg
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from rest_framework import exceptions as drf

from hub import errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def language(request) -> str:
    """'en' when the request speaks English, else Bahasa Indonesia.

    That is the language the locale middleware chose (the language cookie, then
    ``Accept-Language`` by preference), so messages and ``Content-Language`` agree
    with everything else Django translates. A request that never passed the
    middleware is read from its ``Accept-Language`` header.
    """
    chosen = getattr(request, "LANGUAGE_CODE", None) if request is not None else None
    if chosen:
        return "en" if chosen.startswith("en") else "id"
    header = (request.META.get("HTTP_ACCEPT_LANGUAGE", "") if request else "").lower()
    for part in header.split(","):
        tag = part.split(";")[0].strip()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("id") or tag.startswith("in"):
            return "id"
    return "id"


def _field_errors(detail, prefix: str = "") -> list[errors.FieldError]:
    """Flatten DRF's nested validation detail into FieldErrors."""
    found: list[errors.FieldError] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or ""
            found.extend(_field_errors(value, name))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found.extend(_field_errors(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                found.extend(_field_errors(value, prefix))
    else:
        code = getattr(detail, "code", "invalid") or "invalid"
        found.append(errors.FieldError(prefix, str(code), str(detail), str(detail)))
    return found


# SQLSTATEs of a server shutting down or refusing connections for now.
_SERVER_GOING = {"57P01", "57P02", "57P03"}


def _unreachable(exc: Exception) -> bool:
    """Whether a database error is about the connection rather than the statement.

    Connecting failed (no SQLSTATE), the connection broke (class 08), or the
    server is shutting down or starting up (57P0x): a restart or a failover.
    """
    state = _sqlstate(exc)
    return state is None or state.startswith("08") or state in _SERVER_GOING


# SQLSTATEs of a transaction the server rolled back to let a concurrent one go on.
_ROLLED_BACK_FOR_ANOTHER = {"40001", "40P01"}  # serialization failure, deadlock


def _rolled_back_for_another(exc: Exception) -> bool:
    return _sqlstate(exc) in _ROLLED_BACK_FOR_ANOTHER


def _sqlstate(exc: Exception) -> str | None:
    cause = exc if isinstance(exc, psycopg.Error) else exc.__cause__
    return getattr(cause, "sqlstate", None)


# The waits a web request or a job may spend on the database (hub.db.bound_waits).
_LOCK_NOT_AVAILABLE, _QUERY_CANCELED = "55P03", "57014"


def repeats_its_wait(exc: Exception) -> bool:
    """Whether running the same request again at once would only wait again and fail alike.

    The database was out of reach, or a statement already waited out its lock
    or statement limit (:func:`hub.db.bound_waits`).
    """
    if not isinstance(exc, OperationalError | psycopg.OperationalError):
        return False
    return _unreachable(exc) or _sqlstate(exc) in (_LOCK_NOT_AVAILABLE, _QUERY_CANCELED)


def to_hub_error(exc: Exception) -> errors.HubError | None:
    """Translate framework exceptions into the hub's vocabulary; None when unknown."""
    if isinstance(exc, errors.HubError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return errors.ValidationFailed(errors=_field_errors(exc.detail))
    if isinstance(exc, drf.ParseError):
        return errors.MalformedRequest()
    if isinstance(exc, drf.NotAuthenticated):
        return errors.NotAuthenticated()
    if isinstance(exc, drf.AuthenticationFailed):
        return errors.AuthenticationFailed()
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return errors.PermissionDenied()
    if isinstance(exc, drf.NotFound | Http404):
        return errors.NotFound()
    if isinstance(exc, ObjectDoesNotExist):
        # A service re-reads (and locks) the row the view found: a concurrent
        # request deleted it in between. It is gone for this request too.
        log.warning("row gone before it could be changed: %s", exc)
        return errors.NotFound()
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.MethodNotAllowed()
    if isinstance(exc, drf.NotAcceptable):
        return errors.NotAcceptable()
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.UnsupportedMediaType()
    if isinstance(exc, DataError | psycopg.DataError):
        # A value no check caught, refused by the database; the change rolled back.
        log.warning("input refused by the database: %s", exc)
        if "NUL" in str(exc):
            return errors.nul_character()
        return errors.ValidationFailed(
            "Ada nilai yang tidak dapat disimpan seperti yang dikirim.",
            "A value cannot be stored as sent.",
            code="invalid_value",
        )
    if isinstance(exc, OperationalError | psycopg.OperationalError) and _unreachable(exc):
        log.warning("database unavailable: %s", exc)
        return errors.ServiceUnavailable(
            "Basis data sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
            "The database cannot be reached right now. Try again shortly.",
            code="database_unavailable",
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, OperationalError | psycopg.OperationalError) and _rolled_back_for_another(
        exc
    ):
        # Two writes waited for each other's rows; PostgreSQL rolled this one
        # back whole. Sent again, it runs after the other.
        log.warning("write rolled back for a concurrent one: %s", exc)
        return errors.Conflict(
            "Perubahan ini bertabrakan dengan perubahan lain yang berjalan bersamaan "
            "dan dibatalkan seluruhnya; kirim ulang permintaannya.",
            "This change collided with another one running at the same time and was "
            "rolled back whole; send the request again.",
            code="write_conflict",
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, OperationalError | psycopg.OperationalError):
        state = _sqlstate(exc)
        if state == _LOCK_NOT_AVAILABLE:
            # Another transaction held what this one needed for longer than
            # HUB_DB_LOCK_TIMEOUT; nothing of this request was kept.
            log.warning("gave up waiting for a lock: %s", exc)
            return errors.ServiceUnavailable(
                "Data yang diperlukan sedang dikunci oleh perubahan lain yang lama selesai. "
                "Tidak ada perubahan yang disimpan; coba lagi sebentar lagi.",
                "The data this request needs is locked by another change that is taking "
                "long. No change was saved; try again shortly.",
                code="database_busy",
                headers={"Retry-After": "2"},
            )
        if state == _QUERY_CANCELED:
            # One statement ran past HUB_DB_STATEMENT_TIMEOUT (or an operator
            # cancelled it); the request's transaction rolled back.
            log.warning("statement cancelled: %s", exc)
            return errors.ServiceUnavailable(
                "Basis data tidak selesai menjawab dalam batas waktu. Tidak ada perubahan yang "
                "disimpan; persempit permintaan atau coba lagi nanti.",
                "The database did not answer within its time limit. No change was saved; "
                "narrow the request or try again later.",
                code="database_timeout",
                headers={"Retry-After": "5"},
            )
    if isinstance(exc, IntegrityError):
        # A constraint a concurrent request made true between this request's
        # checks and its commit (a row it refers to deleted, the same unique
        # value taken). Services name the clashes they expect; this is the rest.
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        log.warning("write refused by constraint %s: %s", constraint, exc)
        return errors.Conflict(
            "Permintaan ini bentrok dengan perubahan lain yang baru saja disimpan; "
            "muat ulang datanya lalu coba lagi.",
            "This request clashes with another change saved just now; "
            "reload the data and try again.",
        )
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        return errors.RateLimited(headers={"Retry-After": str(wait)})
    return None


# Statuses of protocols the hub speaks that the HTTP registry does not name.
_PHRASES = {460: "Checksum Mismatch"}  # tus checksum extension


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return _PHRASES.get(status, "Error")


def problem_body(error: errors.HubError, request=None) -> dict:
    lang = language(request)
    body = {
        "type": f"https://simpul.go.id/problems/{error.code}",
        "title": _phrase(error.status),
        "status": error.status,
        "code": error.code,
        "detail": error.message(lang),
    }
    if request is not None:
        body["instance"] = request.path
    if error.errors:
        body["errors"] = [item.as_dict(lang) for item in error.errors]
    if error.extra:
        body.update({k: v for k, v in error.extra.items() if k not in body})
    return body


def problem_response(error: errors.HubError, request=None) -> HttpResponse:
    """A Django response carrying `error` as application/problem+json."""
    response = HttpResponse(
        orjson.dumps(problem_body(error, request)),
        status=error.status,
        content_type=PROBLEM_JSON,
    )
    response["Content-Language"] = language(request)
    if error.status == 401:
        # RFC 9110 §11.6.1: a 401 says how to authenticate (an API key or a Keycloak token).
        response["WWW-Authenticate"] = 'Bearer realm="simpul"'
    for name, value in error.headers.items():
        response[name] = value
    return response


def exception_handler(exc, context):
    """DRF exception handler: every known failure becomes problem+json with a stable code.

    Unknown exceptions return None so Django's 500 handler (also problem+json)
    takes over and the error is logged with its traceback.
    """
    error = to_hub_error(exc)
    if error is None:
        return None
    request = context.get("request")
    return problem_response(error, request)


def handler404(request, exception=None):
    return problem_response(errors.NotFound(), request)


INTERNAL_ERROR = ("Terjadi kesalahan pada server.", "Internal server error.")


def handler500(request):
    """An exception nothing else handled (Django calls this while handling it).

    One the hub has a status for (the database out of reach, a row deleted
    meanwhile) is answered as in the API; anything else is a 500 without details.
    """
    exc = sys.exc_info()[1]
    error = to_hub_error(exc) if isinstance(exc, Exception) else None
    if error is None:
        error = errors.HubError(*INTERNAL_ERROR, code="internal_error", status=500)
    return problem_response(error, request)


def handler400(request, exception=None):
    return problem_response(errors.MalformedRequest(), request)


def handler403(request, exception=None):
    return answer_refusal(errors.PermissionDenied(), request)


def csrf_refused() -> errors.PermissionDenied:
    """A signed-in browser's write without a valid CSRF token: 403 ``csrf_failed``."""
    return errors.PermissionDenied(
        "Permintaan ini tidak membawa token CSRF yang sah; muat ulang halamannya.",
        "This request carries no valid CSRF token; reload the page.",
        code="csrf_failed",
    )


def csrf_failure(request, reason: str = ""):
    """A form post without a valid CSRF token (sign-out, the admin): 403 ``csrf_failed``."""
    return answer_refusal(csrf_refused(), request)


def answer_refusal(error: errors.HubError, request) -> HttpResponse:
    """`error` as a page for a person's browser outside the API (the admin: a stale form,
    a page not theirs), as problem+json for everyone else."""
    path = request.path_info if request is not None else "/api/"
    wants_page = "text/html" in (request.META.get("HTTP_ACCEPT", "") if request else "")
    if path.startswith(("/api/", "/graphql")) or not wants_page:
        return problem_response(error, request)
    body = render_to_string(
        "api/refused.html",
        {
            "message_id": error.message_id,
            "message_en": error.message_en,
            "code": error.code,
            "back": "/admin/" if path.startswith("/admin/") else "/",
        },
        request,
    )
    response = HttpResponse(body, status=error.status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = language(request)
    return response
