"""The GraphQL endpoint: same authentication, principal and error codes as REST."""

from __future__ import annotations

from graphene_django.views import GraphQLView
from rest_framework.request import Request

from agencies import policy
from api.auth import ApiKeyAuthentication, KeycloakTokenAuthentication, SessionAuthentication
from api.errors import problem_response, to_hub_error
from api.graphql.limits import validation_rules
from hub import request_context


def resolve_principal(request) -> policy.Principal:
    """Run the REST authenticators on a plain Django request; ANONYMOUS when none applies."""
    drf_request = Request(request)
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


class HubGraphQLView(GraphQLView):
    """GraphQL over the same principal as REST; query errors carry the hub's stable code."""

    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        original = getattr(error, "original_error", None)
        hub_error = to_hub_error(original) if original is not None else None
        extensions = formatted.setdefault("extensions", {})
        if hub_error is not None:
            formatted["message"] = hub_error.message_en
            extensions["code"] = hub_error.code
        elif "exceeds maximum operation depth" in formatted.get("message", ""):
            extensions.setdefault("code", "query_too_deep")
        elif original is None:
            extensions.setdefault("code", "graphql_invalid")
        else:
            extensions.setdefault("code", "internal_error")
        return formatted

    def dispatch(self, request, *args, **kwargs):
        try:
            request.principal = resolve_principal(request)
        except Exception as exc:
            error = to_hub_error(exc)
            if error is None:
                raise
            return problem_response(error, request)
        request_context.set_principal(request.principal)
        self.validation_rules = validation_rules()
        return super().dispatch(request, *args, **kwargs)
