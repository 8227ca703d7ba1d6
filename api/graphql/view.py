"""The GraphQL endpoint: same authentication, principal and error codes as REST."""

from __future__ import annotations

import logging
from functools import lru_cache, partial

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    VariableDefinitionNode,
    execute,
    get_operation_ast,
    parse,
)
from graphql.validation import validate
from rest_framework.request import Request

from agencies import policy
from api import lane
from api.auth import ApiKeyAuthentication, KeycloakTokenAuthentication, SessionAuthentication
from api.errors import INTERNAL_ERROR, language, problem_response, repeats_its_wait, to_hub_error
from api.graphql.compiled import CompiledList, compiled_list
from api.graphql.execution import HubExecutionContext
from api.graphql.limits import validation_rules
from api.parsers import UnreadBodyParser, load_json
from hub import request_context
from hub.errors import HubError, MalformedRequest, PayloadTooLarge

log = logging.getLogger(__name__)


class Refused(HttpError):
    """A request the view does not run, answered at `error`'s status with its code."""

    def __init__(self, error: HubError):
        response = HttpResponse(status=error.status, headers=error.headers)
        super().__init__(response, error.message_en)
        self.error = error


def _about_a_variable(error) -> bool:
    """A variable whose value does not fit its declared type (reported at its definition)."""
    return any(
        isinstance(node, VariableDefinitionNode) for node in getattr(error, "nodes", None) or ()
    )


def resolve_principal(request) -> policy.Principal:
    """Run the REST authenticators on a plain Django request; ANONYMOUS when none applies.

    The body stays unread for GraphQL (the session's CSRF check sees an empty form
    and takes the ``X-CSRFToken`` header, as GraphiQL sends it).
    """
    drf_request = Request(request, parsers=[UnreadBodyParser()])
    authenticators = (
        KeycloakTokenAuthentication(),
        ApiKeyAuthentication(),
        SessionAuthentication(),
    )
    for authenticator in authenticators:
        result = authenticator.authenticate(drf_request)
        if result is not None:
            return result[0]
    return policy.ANONYMOUS


# Documents longer than this are parsed and validated on every request, never kept.
CACHEABLE_QUERY_LENGTH = 20_000


@lru_cache(maxsize=512)
def _checked(schema, query: str, max_depth: int, max_cost: int) -> DocumentNode | None:
    """A parsed document that passed validation (None when it did not: not kept as such)."""
    try:
        document = parse(query)
    except Exception:  # noqa: BLE001 - reported by the uncached path
        return None
    return None if validate(schema, document, validation_rules()) else document


def checked_document(schema, query: str) -> tuple[DocumentNode | None, list]:
    """Parse and validate `query` against the hub's rules; valid documents are reused.

    Agency systems send the same few queries over and over: parsing and validating
    them again would cost more than executing them. Only valid documents are
    cached (keyed by the text and the depth/cost limits in force), so an invalid
    query is always answered with its errors.
    """
    limits = (settings.HUB_GRAPHQL_MAX_DEPTH, settings.HUB_GRAPHQL_MAX_COST)
    if len(query) <= CACHEABLE_QUERY_LENGTH:
        document = _checked(schema, query, *limits)
        if document is not None:
            return document, []
    try:
        document = parse(query)
    except Exception as exc:  # noqa: BLE001 - a syntax error is the caller's answer
        return None, [exc]
    return document, validate(schema, document, validation_rules())


def _data(compiled: CompiledList) -> dict | None:
    """The compiled list's answer; None when graphql-core should execute the document
    and report what went wrong in its words. A database failure that executing again
    would only wait for again is raised."""
    try:
        return compiled.data()
    except Exception as exc:
        if repeats_its_wait(exc):
            raise
        return None


def answer_compiled(compiled: CompiledList, request) -> HttpResponse:
    """What the view answers a compiled list query with (the read lane makes it again)."""
    return HttpResponse(orjson.dumps({"data": compiled.data()}), content_type="application/json")


class HubGraphQLView(GraphQLView):
    """GraphQL over the same principal as REST; query errors carry the hub's stable code."""

    def parse_body(self, request):
        """The request's JSON as REST reads it (``api.parsers.load_json``); a body over
        ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413 ``payload_too_large``, as in REST."""
        content_type = self.get_content_type(request)
        try:
            if content_type not in ("application/json", "application/graphql"):
                return super().parse_body(request)
            if content_type == "application/graphql":
                return {"query": request.body.decode()}
            data = load_json(request.body)
        except UnicodeDecodeError:
            raise HttpError(HttpResponseBadRequest("The query is not UTF-8 text.")) from None
        except MalformedRequest as exc:
            raise HttpError(HttpResponseBadRequest(exc.message_en)) from None
        except RequestDataTooBig:
            raise Refused(PayloadTooLarge()) from None
        if not isinstance(data, dict):
            raise HttpError(HttpResponseBadRequest("The received data is not a valid JSON query."))
        return data

    @staticmethod
    def get_graphql_params(request, data):
        """graphene-django's parameters, each of the JSON type graphql-core expects."""
        query, variables, operation_name, id_ = GraphQLView.get_graphql_params(request, data)
        for name, value, kind in (
            ("query", query, str),
            ("variables", variables, dict),
            ("operationName", operation_name, str),
        ):
            if value is not None and not isinstance(value, kind):
                what = "an object" if kind is dict else "a string"
                raise HttpError(HttpResponseBadRequest(f"`{name}` must be {what}."))
        return query, variables, operation_name, id_

    # A service the answer needed was out of reach: the whole response says so (503).
    unavailable: HubError | None = None

    def format_error(self, error):
        formatted = GraphQLView.format_error(error)
        if isinstance(error, GraphQLError):
            original = error.original_error
        elif isinstance(error, Refused):
            original = error.error
        elif isinstance(error, HttpError):
            original = None  # the request itself is wrong; the message is the view's own
        else:
            original = error  # raised outside any field (execution failing to start)
        hub_error = to_hub_error(original) if original is not None else None
        extensions = formatted.setdefault("extensions", {})
        if hub_error is not None:
            # As REST's problem document says it: in the request's language, naming the fields.
            lang = language(self.request)
            formatted["message"] = hub_error.message(lang)
            extensions["code"] = hub_error.code
            if hub_error.errors:
                extensions["errors"] = [item.as_dict(lang) for item in hub_error.errors]
            if hub_error.status == 503:
                self.unavailable = hub_error
        elif "exceeds maximum operation depth" in formatted.get("message", ""):
            extensions.setdefault("code", "query_too_deep")
        elif original is None or _about_a_variable(error):
            # The document or a variable's value is wrong: the caller's mistake.
            extensions.setdefault("code", "graphql_invalid")
        else:
            # A fault of the hub's: logged in full, answered without its details.
            log.error("GraphQL field %s failed", formatted.get("path"), exc_info=original)
            formatted["message"] = INTERNAL_ERROR[1]
            extensions.setdefault("code", "internal_error")
        return formatted

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's request execution, with validated documents reused."""
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        failure = lane.earlier_failure(request)
        if failure is not None:  # the database failure the read lane already waited out
            return ExecutionResult(errors=[failure])
        schema = self.schema.graphql_schema
        document, errors = checked_document(schema, query)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        operation = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation.operation.value} operation from a POST"
                    " request.",
                )
            )
        middleware = self.get_middleware(request)
        if operation is not None and not middleware and len(query) <= CACHEABLE_QUERY_LENGTH:
            compiled = compiled_list(schema, operation, query, variables, request)
            try:
                data = _data(compiled) if compiled is not None else None
            except Exception as exc:  # noqa: BLE001 - reported as execution would report it
                return ExecutionResult(errors=[exc])
            if data is not None:
                scope = policy.scope_key(request.principal)
                lane.offer(request, partial(answer_compiled, compiled), scope)
                return ExecutionResult(data=data)
        try:
            return execute(
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=middleware,
                execution_context_class=HubExecutionContext,
            )
        except Exception as exc:  # noqa: BLE001 - reported as a GraphQL error, as graphene does
            return ExecutionResult(errors=[exc])

    def dispatch(self, request, *args, **kwargs):
        try:
            request.principal = resolve_principal(request)
        except Exception as exc:
            error = to_hub_error(exc)
            if error is None:
                raise
            return problem_response(error, request)
        request_context.set_principal(request.principal)
        # graphene-django's dispatch, without its ensure_csrf_cookie: API answers set
        # no cookie; GraphiQL, the one page that posts back from a browser, gets it.
        response = GraphQLView.dispatch.__wrapped__(self, request, *args, **kwargs)
        if self.unavailable is not None:
            response.status_code = self.unavailable.status
            for name, value in self.unavailable.headers.items():
                response[name] = value
        return response

    def render_graphiql(self, request, **data):
        get_token(request)  # CsrfViewMiddleware sets the cookie on this response
        return super().render_graphiql(request, **data)

    def json_encode(self, request, d, pretty=False):
        if self.pretty or pretty or request.GET.get("pretty"):
            return super().json_encode(request, d, pretty=True)
        return orjson.dumps(d)
