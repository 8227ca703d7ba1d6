"""The admin site staff sign in to: open to whom the policy says, not to Django's staff flag.

Django's own site lets in only accounts marked ``is_staff``, which the hub
never sets for an agency's people: their memberships say who they are. The
site asks :func:`agencies.policy.may_use_admin` instead, both when someone
signs in with a password and on every page; what each page shows is scoped by
the policy (``agencies.admin.PolicyAdmin``).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.functional import lazy

from agencies import policy
from hub import request_context
from hub.locale import active_language

_REFUSED = {
    "id": "Nama pengguna atau sandi salah, atau akun ini bukan staf instansi yang aktif. "
    "Huruf besar dan kecil dibedakan.",
    "en": "The username or password is wrong, or the account is not staff of an active "
    "agency. Both fields are case-sensitive.",
}


def principal_of(request) -> policy.Principal:
    """The signed-in person's principal, read once per request: an admin page asks for it
    for the site, for every model it lists and for every form field it draws."""
    principal = getattr(request, "_admin_principal", None)
    if principal is None:
        principal = request._admin_principal = policy.principal_for_user(request.user)
        request_context.set_principal(principal)  # the access log names who used the admin
    return principal


def admitted(request) -> bool:
    """Whether this request's person may use the admin (:func:`policy.may_use_admin`)."""
    return policy.may_use_admin(request.user, principal_of(request))


def _refused() -> str:
    return _REFUSED[active_language()]


class StaffLoginForm(AdminAuthenticationForm):
    # One answer for a wrong password and an account without an agency: the form
    # does not tell a guesser which accounts exist.
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": lazy(_refused, str)(),
    }

    def confirm_login_allowed(self, user):
        if not policy.may_use_admin(user):
            raise ValidationError(self.error_messages["invalid_login"])


class StaffAdminSite(admin.AdminSite):
    site_header = "Simpul — administrasi"
    site_title = "Simpul"
    index_title = "Administrasi"
    login_template = "identity/admin_login.html"  # offers "Masuk dengan SSO"
    login_form = StaffLoginForm

    def has_permission(self, request):
        return admitted(request)
