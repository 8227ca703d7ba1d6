from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and regions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agencies.rules import register_rules

        register_rules()
