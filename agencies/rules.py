"""How the access policy treats the agencies app's models (registered at start-up)."""

from django.db.models import Q

from agencies import policy
from agencies.models import Agency, ApiClient, ApiKey, Membership


def register_rules() -> None:
    active = Q(status=Agency.Status.ACTIVE)
    policy.register(
        Agency,
        policy.Rule(
            agency_field="id",
            write_scope="agency:admin",
            public=active,
            shared=active,
            manage=True,
            owner=lambda agency: agency.pk,
        ),
    )
    policy.register(
        Membership,
        policy.Rule(
            agency_field="agency_id",
            write_scope="agency:admin",
            manage=True,
            personal=lambda principal: Q(user_id=principal.user_id)
            if principal.user_id
            else Q(pk__in=[]),
        ),
    )
    policy.register(
        ApiKey, policy.Rule(agency_field="agency_id", write_scope="agency:admin", manage=True)
    )
    policy.register(
        ApiClient, policy.Rule(agency_field="agency_id", write_scope="agency:admin", manage=True)
    )
