from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Simpul hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import health

        health.register("database", health.check_database, required=True)
        # Uploads and reads go on without workers; renditions and syncs wait.
        health.register("jobs", health.check_jobs, required=False)
