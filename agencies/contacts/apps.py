from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "agencies.contacts"
    label = "contacts"
    verbose_name = "Contact directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agencies.contacts.demo import demo_contacts
        from agencies.contacts.rules import register_rules
        from hub.demo import DEMO_STEPS

        register_rules()
        if demo_contacts not in DEMO_STEPS:
            DEMO_STEPS.append(demo_contacts)
