from django.apps import AppConfig


class FactsConfig(AppConfig):
    name = "hub.facts"
    label = "facts"
    verbose_name = "Verified facts and crisis bulletins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hub.demo import DEMO_STEPS
        from hub.facts.demo import demo_facts
        from hub.facts.rules import register_rules

        register_rules()
        if demo_facts not in DEMO_STEPS:
            DEMO_STEPS.append(demo_facts)
