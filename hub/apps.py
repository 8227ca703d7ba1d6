from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Simpul hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub import health

        health.register("database", health.check_database, required=True)
