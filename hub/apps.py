from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the site agency staff sign in to (named in INSTALLED_APPS)."""

    default = False  # the hub app's own config stays HubConfig
    default_site = "agencies.identity.admin_site.StaffAdminSite"


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Simpul hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import health

        health.register("database", health.check_database, required=True)
        # Uploads and reads go on without workers; renditions and syncs wait.
        health.register("jobs", health.check_jobs, required=False)
