"""Template tags for sign-in pages: whether single sign-on with Keycloak is offered."""

from django import template

from agencies.identity import keycloak_enabled

register = template.Library()


@register.simple_tag
def sso_enabled() -> bool:
    return keycloak_enabled()
