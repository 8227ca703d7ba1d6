"""The DRF side of the policy: who may reach a view at all.

Object-level decisions are made by agencies.policy inside the services and
selectors; this class only refuses anonymous callers where a view needs a
principal, and methods a view does not map to an action.
"""

from rest_framework import permissions

from hub.errors import MethodNotAllowed, NotAuthenticated

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "create",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class PolicyPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method not in METHOD_ACTIONS:
            raise MethodNotAllowed()
        principal = request.user
        if getattr(principal, "is_authenticated", False):
            return True
        if request.method in permissions.SAFE_METHODS and getattr(view, "anonymous_read", False):
            return True
        raise NotAuthenticated()


class AnyoneMayCheck(PolicyPermission):
    """Checks are open to anyone: a citizen checks a copy forwarded to them.

    ``POST`` asks a question (is this signature good, is this picture an
    official one) and changes nothing; what the answer shows is still the
    policy's (an anonymous caller is answered from public content only).
    """

    def has_permission(self, request, view):
        return request.method in ("POST", "OPTIONS") or super().has_permission(request, view)
