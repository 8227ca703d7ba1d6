"""The composition root's URL map: admin, health, REST, GraphQL."""

from django.contrib import admin
from django.urls import include, path

from hub import health

admin.site.site_header = "Simpul — administrasi"
admin.site.site_title = "Simpul"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
]

handler400 = "api.errors.handler400"
handler403 = "api.errors.handler403"
handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
