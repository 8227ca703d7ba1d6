"""The composition root's URL map: admin, health, REST, GraphQL."""

from django.contrib import admin
from django.urls import include, path

from agencies.identity import oidc, passwords
from hub import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("oidc/login", oidc.login, name="oidc-login"),
    path("oidc/callback", oidc.callback, name="oidc-callback"),
    path("oidc/logout", oidc.logout, name="oidc-logout"),
    path("admin/logout/", oidc.logout),  # an SSO session ends at Keycloak too
    path("admin/login/", passwords.admin_login),  # counted failures, as for every credential
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
]

handler400 = "api.errors.handler400"
handler403 = "api.errors.handler403"
handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
