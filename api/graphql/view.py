"""The GraphQL endpoint: same authentication, principal and error codes as REST."""

from __future__ import annotations

from graphene_django.views import GraphQLView
from rest_framework.request import Request

from agencies import policy
from api.auth import ApiKeyAuthentication, SessionAuthentication
from api.errors import problem_response, to_hub_error
from api.graphql.limits import validation_rules
from hub import request_context


def resolve_principal(request) -> policy.Principal:
    """Run the REST authenticators on a plain Django request; ANONYMOUS when none applies."""
    drf_request = Request(request)
    for authenticator in (ApiKeyAuthentication(), SessionAuthentication()):
        result = authenticator.authenticate(drf_request)
        if result is not None:
            return result[0]
    return policy.ANONYMOUS


class HubGraphQLView(GraphQLView):
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
