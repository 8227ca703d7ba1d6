"""The admin's password sign-in, under the same failure limit as every other credential.

Each failed attempt is counted and audited (``auth.failure``, method
``password``) through Django's ``user_login_failed`` signal; once the caller's
address is over ``HUB_AUTH_FAILURE_LIMIT`` the form refuses further attempts
with 429 before any password is checked.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache

from hub import auth_failures


@never_cache
def admin_login(request, extra_context=None):
    """``/admin/login/``: the admin's own view, refused while the address is over the limit."""
    if request.method == "POST":
        wait = auth_failures.retry_after(request)
        if wait is not None:
            body = render_to_string(
                "identity/oidc_error.html",
                {"code": "rate_limited", "login_url": reverse("admin:login"), "sso": False},
                request,
            )
            return HttpResponse(body, status=429, headers={"Retry-After": str(wait)})
    return admin.site.login(request, extra_context)


def count_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    """Receiver of ``user_login_failed``: a wrong username or password for a staff sign-in."""
    if request is not None:
        auth_failures.record(
            request,
            method="password",
            reason="invalid_credentials",
            credential=str(credentials.get("username", "")),
        )


def connect() -> None:
    user_login_failed.connect(count_failure, dispatch_uid="simpul-password-failures")
