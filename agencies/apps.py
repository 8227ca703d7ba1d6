from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and regions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agencies.identity import accounts, passwords
        from agencies.identity.verifier import check_identity
        from agencies.rules import register_rules
        from hub import health

        register_rules()
        passwords.connect()
        accounts.connect()
        # Not required: while Keycloak is unreachable, cached keys keep verifying tokens.
        health.register("identity", check_identity, required=False)
