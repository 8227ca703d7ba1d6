"""How the access policy treats the contact directory's models (registered at start-up).

Offices and posts are public facts about an agency. A person is visible outside
their agency only once their consent to publication is recorded. A contact
point is public, shared with other agencies or internal by its ``visibility``;
a personal contact point never leaves its agency, whatever its visibility says.
Writes need the editor or agency admin role (agency systems: ``contacts:write``).
"""

from django.db.models import Q

from agencies import policy
from agencies.contacts.models import ContactPoint, Office, Person, Post, ShortCode
from agencies.models import Agency

WRITE_SCOPE = "contacts:write"


def register_rules() -> None:
    active = Q(agency__status=Agency.Status.ACTIVE)
    policy.register(
        ShortCode,
        policy.Rule(
            # Not owned by any agency: readable by all, written by platform admins only.
            agency_field="pk",
            write_scope="agency:admin",
            public=Q(pk__isnull=False),
            owner=lambda code: None,
        ),
    )
    policy.register(
        Office, policy.Rule(agency_field="agency_id", write_scope=WRITE_SCOPE, public=active)
    )
    policy.register(
        Post, policy.Rule(agency_field="agency_id", write_scope=WRITE_SCOPE, public=active)
    )
    policy.register(
        Person,
        policy.Rule(
            agency_field="agency_id",
            write_scope=WRITE_SCOPE,
            public=active & Q(consent_at__isnull=False),
        ),
    )
    policy.register(
        ContactPoint,
        policy.Rule(
            agency_field="agency_id",
            write_scope=WRITE_SCOPE,
            public=active & Q(visibility=ContactPoint.Visibility.PUBLIC, is_personal=False),
            shared=active
            & Q(
                visibility__in=[ContactPoint.Visibility.PUBLIC, ContactPoint.Visibility.AGENCIES],
                is_personal=False,
            ),
        ),
    )
